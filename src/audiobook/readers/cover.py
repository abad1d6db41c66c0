"""The book's cover, checked and made into a picture every player shows, before anything renders.

The same bytes go into every MP3's ID3 APIC frame and the M4B's covr atom, so a corrupt or odd
cover would become a broken picture in every file of the book. `prepare_cover` decodes the image
in full (a truncated file fails here, not in a listener's player) and then:

- returns it byte for byte when it is already what players take: a single-frame JPEG (RGB or
  greyscale) or PNG, square, at most MAX_SIDE pixels a side, with no EXIF rotation pending. Covers
  that were fine before stay identical, and so do the renders made with them;
- otherwise converts it: the first frame, the EXIF rotation applied, colour made 8-bit RGB (or
  RGBA when it really has transparency), scaled down with LANCZOS to fit MAX_SIDE, padded (never
  stretched, never cropped) onto a square canvas, and saved as a baseline JPEG, quality 90, or as a
  PNG when transparency must be kept. No EXIF or ICC metadata is carried over. The output depends
  on the input bytes alone (and on the Pillow build), so a re-render is byte-identical.

A small cover is never scaled up: interpolation invents no detail. Audible's ACX asks for at least
2400x2400 and podcast apps for 1400 to 3000 square, so the producer should supply a large one.

Pillow does the decoding. Only readers import this module, in the main process; engine workers
never do, so Pillow's import time is paid once per run.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, ImageOps, ImageStat, UnidentifiedImageError

from audiobook.core.errors import InputError

MAX_SIDE = 3000  # pixels: the largest side podcast apps ask for; larger only bloats every file
# Refused before decoding: no cover needs more, and memory stays bounded.
MAX_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 50_000_000  # 50 megapixels (about 200 MB decoded as RGBA): past it, a bomb or a scan
JPEG_QUALITY = 90

# Only what a cover may be: the types an EPUB may hold (JPEG, PNG, GIF, WebP) and the common
# exports of image editors (BMP, TIFF). Pillow's other plugins stay out of reach of untrusted
# bytes: some parse rare formats with a history of bugs, and EPS would start Ghostscript.
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")
_MIME = {"JPEG": "image/jpeg", "PNG": "image/png"}
# Colour modes players show without surprises. A CMYK JPEG (from print work) is shown with
# inverted or wrong colours, or not at all, by some players. Every PNG mode is fine: the PNG
# specification requires decoders to read every colour type and bit depth.
_JPEG_MODES = ("RGB", "L")
_ORIENTATION = 0x0112  # the EXIF tag
# What Pillow raises on malformed data (the list its own fuzzing tests accept, less the
# decompression-bomb errors, which get their own message), plus EOFError, which some plugins raise
# when data ends early.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    MemoryError,
    NotImplementedError,
    OverflowError,
)
_HINT = "replace it with a JPEG or PNG"


def prepare_cover(data: bytes, source: Path) -> tuple[bytes, str]:
    """The cover as players accept it: (image bytes, "image/jpeg" or "image/png").

    DATA is the image file's content and SOURCE the file it came from (named in errors). Raises
    InputError when DATA is not an image that can be decoded in full, or is too large to decode.
    """
    if not data:
        raise InputError("the cover image is empty", path=source, hint=_HINT)
    if len(data) > MAX_BYTES:
        raise InputError(
            f"the cover image is {len(data) / 2**20:.0f} MB, more than the "
            f"{MAX_BYTES // 2**20} MB a cover may be",
            path=source,
            hint=f"save it smaller, e.g. as a {MAX_SIDE}x{MAX_SIDE} JPEG",
        )
    if _is_svg(data):
        # Pillow does not draw vector images, and players show none: say so plainly.
        raise InputError(
            "an SVG drawing, which players cannot show as a cover",
            path=source,
            hint=f"export it as a JPEG or PNG, ideally {MAX_SIDE}x{MAX_SIDE}",
        )
    image = _decode(data, source)
    if _acceptable(image):
        return data, _MIME[image.format or ""]
    return _convert(image, source)


def read_cover(path: Path) -> tuple[bytes, str]:
    """The cover file at PATH, prepared as prepare_cover does; read through the size cap, so a
    huge file is refused without being held in memory."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read the cover ({exc.strerror})", path=path) from None
    return prepare_cover(data, path)


def _is_svg(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") and b"<svg" in head


def _decode(data: bytes, source: Path) -> Image.Image:
    """The image fully decoded (its first frame); InputError when that is not possible."""
    # Two pixel limits, both applied to the header before any pixel is decoded. Pillow's own, in
    # Image.open, warns past Image.MAX_IMAGE_PIXELS (89 megapixels by default; the warning is made
    # an error here, the filter restored on exit) and raises past twice that. Ours, MAX_PIXELS, is
    # tighter; lowering Image.MAX_IMAGE_PIXELS instead would change Pillow for the whole process.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # verify() checks the structure (PNG chunk checksums, for one) without decoding, but
            # leaves the image unusable; load() on a fresh copy decodes every pixel, which is what
            # catches a truncated JPEG.
            with Image.open(io.BytesIO(data), formats=FORMATS) as probe:
                _check_pixels(probe.size, source)
                probe.verify()
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise InputError(
                f"more pixels than Pillow will decode safely ({_reason(error).split(',')[0]})",
                path=source,
                hint=f"scale it down to {MAX_SIDE}x{MAX_SIDE} pixels or less",
            ) from None
        except _DECODE_ERRORS as error:
            raise InputError(
                f"not an image Pillow can read ({_reason(error)})", path=source, hint=_HINT
            ) from None
    return image


def _check_pixels(size: tuple[int, int], source: Path) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        raise InputError(
            f"{width}x{height} pixels is more than the {MAX_PIXELS // 1_000_000} megapixels a "
            "cover may have",
            path=source,
            hint=f"scale it down to {MAX_SIDE}x{MAX_SIDE} pixels or less",
        )


def _reason(error: BaseException) -> str:
    # Pillow's "cannot identify image file <_io.BytesIO object at 0x...>" names a memory address,
    # which would make the message differ from run to run.
    if isinstance(error, UnidentifiedImageError):
        return "cannot identify image file"
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _acceptable(image: Image.Image) -> bool:
    """Whether IMAGE's own bytes can go into the files as they are."""
    width, height = image.size
    return (
        image.format in _MIME
        and getattr(image, "n_frames", 1) == 1  # an APNG or a multi-picture JPEG (MPO) is not
        and width == height <= MAX_SIDE
        and (image.format != "JPEG" or image.mode in _JPEG_MODES)
        # Players differ on whether they honour an EXIF rotation: apply it for them.
        and image.getexif().get(_ORIENTATION, 1) == 1
    )


def _convert(image: Image.Image, source: Path) -> tuple[bytes, str]:
    image = ImageOps.exif_transpose(image)
    try:
        image, transparent = _to_rgb(image)
    except ValueError as error:  # a mode Pillow cannot convert, such as LAB
        raise InputError(
            f"its colour mode {image.mode} cannot be converted ({_reason(error)})",
            path=source,
            hint=_HINT,
        ) from None
    width, height = image.size
    if max(width, height) > MAX_SIDE:
        scale = MAX_SIDE / max(width, height)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    image = _square(image, transparent)
    out = io.BytesIO()
    # The canvas is new, so it has no info to carry (no EXIF, no ICC profile). A baseline JPEG,
    # since some car stereos and older players cannot show a progressive one.
    if transparent:
        image.save(out, "PNG")
        return out.getvalue(), "image/png"
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=False)
    return out.getvalue(), "image/jpeg"


def _to_rgb(image: Image.Image) -> tuple[Image.Image, bool]:
    """IMAGE as 8-bit RGB, or as RGBA when some pixel is not opaque; and which it is."""
    if image.mode.startswith("I;16") or image.mode == "I":
        # 16-bit greyscale: Pillow's conversion to 8 bits clips (everything over 255 turns white);
        # scale the range down instead.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        # An alpha channel or a transparent palette entry that no pixel uses (common in GIFs and
        # in PNGs from editors) is no reason for a PNG: only real transparency keeps it.
        alpha_low, _ = rgba.getchannel("A").getextrema()  # one band: two numbers
        if alpha_low < 255:  # type: ignore[operator]  # Pillow types extrema for any band count
            return rgba, True
        return rgba.convert("RGB"), False
    return image.convert("RGB"), False


def _square(image: Image.Image, transparent: bool) -> Image.Image:
    """IMAGE centred on a square canvas as wide as its long side, on a new canvas in any case."""
    width, height = image.size
    side = max(width, height)
    left, top = (side - width) // 2, (side - height) // 2
    if transparent:
        # It already has see-through parts: the padding is more of the same.
        canvas = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    else:
        # Each band of padding takes the mean colour of the image's edge beside it. Most covers
        # have a plain border or background, and then the padding cannot be told from the
        # picture; a busy edge gives a quiet band in the picture's own colours, where white or
        # black would frame a dark or light cover with a glaring stripe. The strip is 1% deep so
        # that a line of JPEG noise or a hairline frame does not decide the colour alone.
        depth = max(1, min(width, height) // 100)
        if width >= height:  # bands above and below
            first = (0, 0, width, depth)
            second = (0, height - depth, width, height)
            second_band = (0, top + height, side, side)
        else:  # bands left and right
            first = (0, 0, depth, height)
            second = (width - depth, 0, width, height)
            second_band = (left + width, 0, side, side)
        canvas = Image.new("RGB", (side, side), _mean(image.crop(first)))
        canvas.paste(_mean(image.crop(second)), second_band)
    canvas.paste(image, (left, top))
    return canvas


def _mean(image: Image.Image) -> tuple[int, ...]:
    return tuple(round(value) for value in ImageStat.Stat(image).mean)
