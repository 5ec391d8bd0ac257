"""A random room, ray-cast, with the labels of every task from its geometry.

:func:`render_scene` returns a :class:`Scene`; :mod:`.nyud_writer` and
:mod:`.pascal_context_writer` store scenes in the datasets' formats.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np


@dataclass(frozen=True)
class Kind:
    """A kind of surface and its label in each dataset.

    Args:
        nyu (int): NYU-40 label as stored (1..40, 0 = void).
        voc (int): VOC class (0 = background).
        context (int): PASCAL-Context LabelMap id (arbitrary but fixed; in
            the 170 normals-valid ids unless ``normals_valid`` is False).
        color (tuple): Base RGB colour.
        normals_valid (bool): Whether the id is one of the 170 ids on
            which PASCAL normals are kept.
    """
    nyu: int
    voc: int
    context: int
    color: Tuple[int, int, int]
    normals_valid: bool = True


KINDS: Dict[str, Kind] = {
    'wall': Kind(1, 0, 285, (196, 186, 166)),
    'floor': Kind(2, 0, 158, (128, 92, 60)),
    'ceiling': Kind(22, 0, 2, (236, 236, 242), normals_valid=False),
    'window': Kind(9, 0, 427, (150, 200, 240)),
    'picture': Kind(11, 0, 220, (40, 110, 60)),
    'cabinet': Kind(3, 0, 66, (150, 60, 40)),
    'bed': Kind(4, 0, 46, (90, 90, 200)),
    'chair': Kind(5, 9, 113, (210, 140, 30)),
    'sofa': Kind(6, 18, 368, (120, 30, 110)),
    'table': Kind(7, 11, 397, (90, 60, 30)),
    'television': Kind(25, 20, 417, (30, 30, 30)),
    'box': Kind(29, 0, 55, (200, 170, 120)),
    'clutter': Kind(0, 0, 1, (110, 140, 140), normals_valid=False),
    'pottedplant': Kind(40, 16, 5, (40, 150, 40), normals_valid=False),
    'person': Kind(31, 15, 284, (0, 0, 0)),  # people are coloured per part
}
NYUD_FURNITURE = ('cabinet', 'bed', 'chair', 'sofa', 'table', 'television', 'box', 'clutter')
PASCAL_FURNITURE = ('chair', 'sofa', 'table', 'television', 'pottedplant', 'cabinet')
KIND_NAMES = tuple(KINDS)
PERSON = KIND_NAMES.index('person')

# Person parts: (PASCAL-Part name, human-parts group, shape, RGB). Shapes are
# in units of the person's height in the image, x from the body axis, y down
# from the top of the head: ('ellipse', cx, cy, rx, ry) or
# ('capsule', x1, y1, x2, y2, radius). The person faces the camera, so its
# left side is on the image's right.
PARTS = (
    ('hair', 1, ('ellipse', 0.0, 0.045, 0.058, 0.045), (60, 40, 20)),
    ('head', 1, ('ellipse', 0.0, 0.085, 0.052, 0.06), (225, 180, 150)),
    ('neck', 2, ('capsule', 0.0, 0.14, 0.0, 0.17, 0.025), (215, 170, 140)),
    ('torso', 2, ('ellipse', 0.0, 0.32, 0.11, 0.16), (200, 40, 40)),
    ('luarm', 3, ('capsule', 0.12, 0.2, 0.16, 0.34, 0.035), (170, 30, 30)),
    ('ruarm', 3, ('capsule', -0.12, 0.2, -0.16, 0.34, 0.035), (170, 30, 30)),
    ('llarm', 4, ('capsule', 0.16, 0.34, 0.18, 0.47, 0.03), (225, 180, 150)),
    ('rlarm', 4, ('capsule', -0.16, 0.34, -0.18, 0.47, 0.03), (225, 180, 150)),
    ('lhand', 4, ('ellipse', 0.185, 0.5, 0.03, 0.035), (235, 190, 160)),
    ('rhand', 4, ('ellipse', -0.185, 0.5, 0.03, 0.035), (235, 190, 160)),
    ('luleg', 5, ('capsule', 0.05, 0.47, 0.06, 0.71, 0.05), (40, 50, 110)),
    ('ruleg', 5, ('capsule', -0.05, 0.47, -0.06, 0.71, 0.05), (40, 50, 110)),
    ('llleg', 6, ('capsule', 0.06, 0.71, 0.065, 0.93, 0.04), (30, 40, 90)),
    ('rlleg', 6, ('capsule', -0.06, 0.71, -0.065, 0.93, 0.04), (30, 40, 90)),
    ('lfoot', 6, ('ellipse', 0.075, 0.965, 0.045, 0.03), (20, 20, 20)),
    ('rfoot', 6, ('ellipse', -0.075, 0.965, 0.045, 0.03), (20, 20, 20)),
)
PERSON_HEIGHT = 1.7  # metres
LIGHT = np.array([0.3, 0.8, 0.5]) / np.linalg.norm([0.3, 0.8, 0.5])  # world frame


@dataclass
class Scene:
    """One rendered view.

    Args:
        kind (np.ndarray): ``(H, W)`` index into :data:`KIND_NAMES`.
        instance (np.ndarray): ``(H, W)`` object id (0 for room surfaces,
            1.. for furniture and people in :attr:`objects` order).
        depth (np.ndarray): ``(H, W)`` float32 metres.
        normals (np.ndarray): ``(H, W, 3)`` float32 unit vectors, camera
            frame.
        person_color (np.ndarray): ``(H, W, 3)`` colour of people's pixels
            (other pixels take their kind's colour).
        objects (list[dict]): Per object: ``kind`` and, for people,
            ``parts`` (list of (name, group, mask)) and ``has_parts``.
        image (np.ndarray, optional): ``(H, W, 3)`` uint8 RGB, once shaded.
    """
    kind: np.ndarray
    instance: np.ndarray
    depth: np.ndarray
    normals: np.ndarray
    person_color: np.ndarray
    objects: List[dict]
    image: Optional[np.ndarray] = None


def _rotation(yaw: float, pitch: float) -> np.ndarray:
    """World-from-camera rotation: pitch about x, then yaw about y."""
    cy, sy, cp, sp = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch)
    r_yaw = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    r_pitch = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    return r_yaw @ r_pitch


def _render_room(h: int, w: int, rng: np.random.Generator, furniture: Tuple[str, ...],
                 num_boxes: int) -> Tuple[Scene, dict]:
    """Ray-cast a room with boxes; returns the scene and the camera."""
    focal = 0.85 * w
    rot = _rotation(rng.uniform(-0.35, 0.35), rng.uniform(-0.3, -0.08))
    origin = np.array([rng.uniform(-0.4, 0.4), rng.uniform(1.2, 1.6), 0.0])
    room_w, room_d, room_h = rng.uniform(4, 6), rng.uniform(5, 8), rng.uniform(2.5, 3.0)
    # Rays through pixel centres with a forward component of 1, so that the
    # ray parameter t of a hit is its depth along the optical axis.
    u = (np.arange(w) + 0.5 - w / 2) / focal
    v = -(np.arange(h) + 0.5 - h / 2) / focal
    rays = np.stack(np.broadcast_arrays(u[None, :], v[:, None], -np.ones((h, 1))), -1)
    rays = rays @ rot.T  # (H, W, 3) world directions
    with np.errstate(divide='ignore', invalid='ignore'):
        inv = 1.0 / rays
    depth = np.full((h, w), np.inf)
    kind = np.zeros((h, w), np.int64)
    instance = np.zeros((h, w), np.int64)
    normal = np.zeros((h, w, 3))

    def hit(t, k, n, inst=0):
        closer = (t > 1e-6) & (t < depth)
        depth[closer] = t[closer]
        kind[closer] = KIND_NAMES.index(k)
        instance[closer] = inst
        normal[closer] = n if np.ndim(n) == 1 else n[closer]

    # Room: (axis, plane coordinate, inward normal, kind).
    for axis, coord, sign, k in ((1, 0.0, 1, 'floor'), (1, room_h, -1, 'ceiling'),
                                 (0, -room_w / 2, 1, 'wall'), (0, room_w / 2, -1, 'wall'),
                                 (2, -room_d, 1, 'wall'), (2, 1.5, -1, 'wall')):
        n = np.zeros(3)
        n[axis] = sign
        hit((coord - origin[axis]) * inv[..., axis], k, n)
    points = origin + depth[..., None] * rays
    # A picture on the back wall and a window on a side wall.
    x0, y0 = rng.uniform(-room_w / 3, room_w / 6), rng.uniform(1.2, 1.7)
    picture = ((np.abs(points[..., 2] + room_d) < 1e-6) & (points[..., 0] > x0) &
               (points[..., 0] < x0 + rng.uniform(0.8, 1.6)) & (points[..., 1] > y0) &
               (points[..., 1] < y0 + rng.uniform(0.5, 0.9)))
    kind[picture] = KIND_NAMES.index('picture')
    side = rng.choice([-1, 1])
    z0 = rng.uniform(-room_d + 0.5, -room_d / 2)
    window = ((np.abs(points[..., 0] - side * room_w / 2) < 1e-6) & (points[..., 2] > z0) &
              (points[..., 2] < z0 + rng.uniform(1.0, 2.0)) & (points[..., 1] > 0.9) &
              (points[..., 1] < 2.2))
    kind[window] = KIND_NAMES.index('window')

    objects = []
    for _ in range(num_boxes):
        k = furniture[rng.integers(len(furniture))]
        size = rng.uniform([0.4, 0.4, 0.4], [1.4, 1.1, 1.2])
        centre = np.array([rng.uniform(-room_w / 2 + 0.8, room_w / 2 - 0.8), size[1] / 2,
                           rng.uniform(-room_d + 1.0, -2.0)])
        lo, hi = centre - size / 2, centre + size / 2
        t1, t2 = (lo - origin) * inv, (hi - origin) * inv  # (H, W, 3) slab entries
        t_near, t_far = np.minimum(t1, t2), np.maximum(t1, t2)
        entry = t_near.max(-1)
        face = t_near.argmax(-1)  # the slab entered last is the face hit
        n = np.zeros((h, w, 3))
        np.put_along_axis(n, face[..., None],
                          -np.sign(np.take_along_axis(rays, face[..., None], -1)), -1)
        t = np.where(entry <= t_far.min(-1), entry, np.inf)
        objects.append(dict(kind=k))
        hit(t, k, n, inst=len(objects))

    scene = Scene(kind=kind, instance=instance, depth=depth, normals=normal @ rot,
                  person_color=np.zeros((h, w, 3)), objects=objects)
    camera = dict(focal=focal, rot=rot, origin=origin, room_w=room_w, room_d=room_d)
    return scene, camera


def _part_mask(shape: tuple, xx: np.ndarray, yy: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Mask of a part in person units, and its bulge in [0, 1] (for normals)."""
    if shape[0] == 'ellipse':
        _, cx, cy, rx, ry = shape
        r2 = ((xx - cx) / rx)**2 + ((yy - cy) / ry)**2
        return r2 < 1, np.sqrt(np.clip(1 - r2, 0, 1))
    _, x1, y1, x2, y2, radius = shape
    seg = np.array([x2 - x1, y2 - y1])
    s = np.clip(((xx - x1) * seg[0] + (yy - y1) * seg[1]) / (seg @ seg), 0, 1)
    r2 = ((xx - x1 - s * seg[0])**2 + (yy - y1 - s * seg[1])**2) / radius**2
    return r2 < 1, np.sqrt(np.clip(1 - r2, 0, 1))


def _add_person(scene: Scene, camera: dict, rng: np.random.Generator, with_parts: bool) -> None:
    """Stand a person on the floor, facing the camera, occluded by the room."""
    h, w = scene.depth.shape
    rot, origin, focal = camera['rot'], camera['origin'], camera['focal']
    # A floor point in view: cast a ray through a random lower-half pixel.
    for _ in range(20):
        px, py = rng.uniform(0.2, 0.8) * w, rng.uniform(0.65, 0.95) * h
        ray = rot @ np.array([(px - w / 2) / focal, -(py - h / 2) / focal, -1.0])
        if ray[1] < -1e-3:
            foot = origin + ray * (-origin[1] / ray[1])
            if abs(foot[0]) < camera['room_w'] / 2 - 0.3 and foot[2] > -camera['room_d'] + 0.3:
                break
    else:
        return
    cam_foot = rot.T @ (foot - origin)
    cam_head = rot.T @ (foot + [0, PERSON_HEIGHT, 0] - origin)
    z = -cam_foot[2]  # depth of the person's plane
    fx, fy = cam_foot[0] / z * focal + w / 2, -cam_foot[1] / z * focal + h / 2
    hy = -cam_head[1] / -cam_head[2] * focal + h / 2
    height = fy - hy  # pixels from head to foot
    if height < 8:
        return
    yy, xx = np.mgrid[0:h, 0:w] + 0.5
    xx, yy = (xx - fx) / height, (yy - hy) / height
    person, bulge_all = np.zeros((h, w), bool), np.zeros((h, w))
    normals = np.zeros((h, w, 3))
    colors = np.zeros((h, w, 3))
    masks = []
    for name, group, shape, color in PARTS:
        mask, bulge = _part_mask(shape, xx, yy)
        # Normals of a rounded part: its outline faces sideways.
        cx, cy = (shape[1], shape[2]) if shape[0] == 'ellipse' else (
            (shape[1] + shape[3]) / 2, (shape[2] + shape[4]) / 2)
        side = np.stack([xx - cx, -(yy - cy), np.zeros_like(xx)], -1)
        side /= np.linalg.norm(side, axis=-1, keepdims=True) + 1e-9
        n = side * np.sqrt(1 - bulge**2)[..., None] + bulge[..., None] * [0, 0, 1]
        normals[mask] = n[mask]
        colors[mask] = color
        bulge_all[mask] = bulge[mask]
        person |= mask
        masks.append((name, group, mask))
    depth = z - 0.12 * bulge_all
    visible = person & (depth < scene.depth)
    if visible.sum() < 20:
        return
    scene.objects.append(dict(kind='person', has_parts=with_parts, parts=masks))
    scene.kind[visible] = PERSON
    scene.instance[visible] = len(scene.objects)
    scene.depth[visible] = depth[visible]
    scene.normals[visible] = normals[visible]
    scene.person_color[visible] = colors[visible]


def _shade(scene: Scene, camera: dict, rng: np.random.Generator) -> None:
    """Colour the image: class colour, Lambert shading, fall-off and noise."""
    colors = np.array([KINDS[k].color for k in KIND_NAMES], np.float64)
    jitter = rng.uniform(-12, 12, colors.shape)
    base = np.where((scene.kind == PERSON)[..., None], scene.person_color,
                    (colors + jitter)[scene.kind])
    lambert = np.clip(scene.normals @ (camera['rot'].T @ LIGHT), 0, 1)
    light = (0.45 + 0.55 * lambert) / (1 + 0.05 * scene.depth)
    img = base * light[..., None] * 1.15 + rng.normal(0, 3, base.shape)
    scene.image = np.clip(img, 0, 255).astype(np.uint8)


def render_scene(h: int, w: int, rng: np.random.Generator, furniture: Tuple[str, ...],
                 num_people: int = 0, with_parts: bool = True) -> Scene:
    """Render one view of a random room.

    Args:
        h (int): Image height.
        w (int): Image width.
        rng (np.random.Generator): Random source.
        furniture (tuple[str]): Kinds of the boxes.
        num_people (int): People to place. Defaults to 0.
        with_parts (bool): Whether the people have part masks. Defaults to
            True.

    Returns:
        Scene: The rendered view.
    """
    scene, camera = _render_room(h, w, rng, furniture, int(rng.integers(2, 6)))
    for _ in range(num_people):
        _add_person(scene, camera, rng, with_parts)
    for index, obj in enumerate(scene.objects, 1):
        if obj['kind'] == 'person':  # keep the visible part of each part
            visible = scene.instance == index
            obj['parts'] = [(n, g, m & visible) for n, g, m in obj['parts'] if (m & visible).any()]
            obj['has_parts'] = obj['has_parts'] and bool(obj['parts'])
    scene.depth = np.where(np.isfinite(scene.depth), scene.depth, 0).astype(np.float32)
    scene.normals = scene.normals.astype(np.float32)
    _shade(scene, camera, rng)
    return scene


def label_boundaries(label: np.ndarray) -> np.ndarray:
    """Pixels whose label differs from the right or lower neighbour."""
    edge = np.zeros(label.shape, bool)
    edge[:, :-1] |= label[:, :-1] != label[:, 1:]
    edge[:-1] |= label[:-1] != label[1:]
    return edge
