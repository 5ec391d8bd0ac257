"""Small synthetic NYUD-v2 and PASCAL-Context datasets in the real on-disk formats.

For tests and the demo (``import msm_mm`` does not import this package);
``tools/dataset_converters/generate_synthetic.py`` is the command line.

Each image is a ray-cast room (:mod:`.scene_renderer`): floor, walls and
ceiling, a picture and a window on the walls, furniture boxes standing on
the floor and, for PASCAL-Context, people with body parts. Every label comes
from the same scene, so the tasks are consistent with each other and
learnable from the image (colours follow the classes, shading follows the
normals, size and height in the image follow the depth):

- depth: distance along the optical axis in metres (from the geometry);
- normals: surface normals in the camera frame, x right, y up, z towards
  the camera (people are rounded, so their normals vary);
- semseg: the class of the surface hit (NYU-40 or VOC);
- edge: boundaries of the labels;
- sal: the most prominent object (the nearest person, else the largest
  piece of furniture);
- human_parts: PASCAL-Part masks of each person.

The files are written exactly as the community distributes the real
datasets (see ``docs/datasets.md``); nothing here uses the loaders, so tests
can compare what the loaders decode with the labels returned by
:func:`generate_nyud` and :func:`generate_pascal_context`.
"""
from .nyud_writer import generate_nyud
from .pascal_context_writer import generate_pascal_context

__all__ = ['generate_nyud', 'generate_pascal_context']
