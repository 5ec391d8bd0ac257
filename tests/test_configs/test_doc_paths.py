"""Every repository path that README.md, docs/*.md and the projects' READMEs
name (package, configs, tools, docs, projects, demo) exists, every page of
docs/ is linked from another, and every benchmark record that the speed
pages (docs/benchmark.md, docs/scan_kernels.md) name is in
docs/benchmark_records/."""
import glob
import os.path as osp
import re

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DOCS = [osp.join(ROOT, 'README.md')] + sorted(
    glob.glob(osp.join(ROOT, 'docs', '*.md')) +
    glob.glob(osp.join(ROOT, 'projects', '**', 'README.md'), recursive=True))
# A path starting at a top-level folder, ending in a file name with an extension.
PATH = re.compile(r'(?<![\w/.-])((?:msm_mm|configs|tools|docs|projects|demo)/'
                  r'[\w./-]*\w\.(?:py|sh|md))')


def named_paths(doc):
    """Paths named in a markdown file; relative links resolve from its folder."""
    text = open(doc, encoding='utf-8').read()
    paths = set(PATH.findall(text))
    for link in re.findall(r'\]\(([^)#\s]+)', text):
        if '://' not in link:
            paths.add(osp.relpath(osp.normpath(osp.join(osp.dirname(doc), link)), ROOT))
    return sorted(paths)


def test_every_doc_page_is_linked_from_another():
    pages = sorted(glob.glob(osp.join(ROOT, 'docs', '*.md')))
    assert len(pages) >= 8 and any('projects' in d for d in DOCS)
    named = {p for doc in DOCS for p in named_paths(doc) if p != osp.relpath(doc, ROOT)}
    orphans = [osp.relpath(p, ROOT) for p in pages if osp.relpath(p, ROOT) not in named]
    assert not orphans, f'pages no other doc links to: {orphans}'


@pytest.mark.parametrize('doc', DOCS, ids=lambda d: osp.relpath(d, ROOT))
def test_named_paths_exist(doc):
    missing = [p for p in named_paths(doc) if not osp.exists(osp.join(ROOT, p))]
    assert not missing, f'{osp.relpath(doc, ROOT)} names paths that do not exist: {missing}'


@pytest.mark.parametrize('page,least', [('benchmark.md', 10), ('scan_kernels.md', 5)])
def test_every_record_a_speed_page_names_exists(page, least):
    text = open(osp.join(ROOT, 'docs', page), encoding='utf-8').read()
    names = set(re.findall(r'`([\w*.-]+\.json)`', text))  # file names, some with a *
    assert len(names) >= least
    records = osp.join(ROOT, 'docs', 'benchmark_records')
    missing = sorted(n for n in names if not glob.glob(osp.join(records, n)))
    assert not missing, f'docs/{page} names records that do not exist: {missing}'
