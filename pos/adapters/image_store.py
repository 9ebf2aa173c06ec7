"""Product pictures picked from a file are copied into the user's data folder, named by
their content (the same picture twice is one file), so a product never points at a file
the user may move or delete; web addresses are kept as they are."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from platformdirs import user_data_dir

from pos.domain.errors import ValidationError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp")
MAX_BYTES = 20 * 1024 * 1024


def image_folder() -> Path:
    return Path(user_data_dir("pos", appauthor=False)) / "images"


def store_image(source: str | Path, folder: Path | None = None) -> str:
    """Copy ``source`` into ``folder`` (the user data folder's ``images``); its new path."""
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise ValidationError(
            "image", f"{path.name} is not a picture ({', '.join(IMAGE_SUFFIXES)})"
        )
    if not path.is_file():
        raise ValidationError("image", f"{path} cannot be found")
    if path.stat().st_size > MAX_BYTES:
        raise ValidationError("image", f"{path.name} is larger than 20 MB")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:24]
    target_dir = folder or image_folder()
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{digest}{suffix}"
    if not target.exists():
        shutil.copyfile(path, target)
    return str(target)
