"""The cover: checked, kept byte for byte when players take it, otherwise made square and small."""

from __future__ import annotations

import hashlib
import io
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageCms, ImageStat

from audiobook.core.errors import InputError
from audiobook.readers import cover
from audiobook.readers.cover import MAX_SIDE, prepare_cover

SOURCE = Path("book") / "cover.png"


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def quadrants(width: int, height: int) -> Image.Image:
    """Four flat colours, one per quarter: survives JPEG and shows any stretch or shift."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 160, 40), (width // 2, 0, width, height // 2))
    image.paste((20, 40, 190), (0, height // 2, width // 2, height))
    image.paste((230, 220, 60), (width // 2, height // 2, width, height))
    return image


def near(pixel: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 6) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@pytest.mark.parametrize(
    ("fmt", "mode", "mime"),
    [
        ("JPEG", "RGB", "image/jpeg"),
        ("JPEG", "L", "image/jpeg"),
        ("PNG", "RGB", "image/png"),
        ("PNG", "RGBA", "image/png"),
        ("PNG", "P", "image/png"),
    ],
)
def test_an_acceptable_square_cover_comes_back_byte_identical(
    fmt: str, mode: str, mime: str
) -> None:
    image = quadrants(600, 600).convert(mode)
    # Metadata a producer's file may carry stays too: the bytes are not touched at all.
    data = encode(image, fmt, dpi=(300, 300))
    assert prepare_cover(data, SOURCE) == (data, mime)


def test_the_largest_acceptable_side_is_kept() -> None:
    data = encode(Image.new("RGB", (MAX_SIDE, MAX_SIDE), (10, 20, 30)), "JPEG")
    assert prepare_cover(data, SOURCE)[0] is data


def test_the_mime_type_comes_from_the_bytes_not_the_file_name() -> None:
    data = encode(quadrants(300, 300), "PNG")
    assert prepare_cover(data, Path("cover.jpg")) == (data, "image/png")


def test_a_wide_jpeg_is_padded_to_a_square_without_stretching() -> None:
    data = encode(quadrants(1200, 800), "JPEG", quality=95)
    out, mime = prepare_cover(data, SOURCE)
    image = decode(out)
    assert mime == "image/jpeg"
    assert image.format == "JPEG"
    assert image.size == (1200, 1200)
    # The picture sits in the middle rows 200..999, at its own size: each quarter's colour is
    # where it was, shifted down by 200 and no further.
    assert near(image.getpixel((300, 400)), (200, 30, 30))
    assert near(image.getpixel((900, 400)), (30, 160, 40))
    assert near(image.getpixel((300, 800)), (20, 40, 190))
    assert near(image.getpixel((900, 800)), (230, 220, 60))
    # Row for row and column for column the middle is the picture as it was: no stretch, no
    # shift (only JPEG's small losses differ).
    middle = image.crop((0, 200, 1200, 1000))
    assert max(ImageStat.Stat(ImageChops.difference(middle, decode(data))).mean) < 1.5
    assert middle.size == decode(data).size
    # The bands take the colour of the edge beside them: the mean of the top row above, of the
    # bottom row below.
    assert near(image.getpixel((600, 50)), (115, 95, 35), 8)
    assert near(image.getpixel((600, 1150)), (125, 130, 125), 8)


def test_a_tall_image_is_padded_left_and_right() -> None:
    out, _ = prepare_cover(encode(quadrants(400, 1000), "PNG"), SOURCE)
    image = decode(out)
    assert image.size == (1000, 1000)
    assert image.getpixel((300 + 100, 250)) == (200, 30, 30)
    assert image.getpixel((300 + 300, 750)) == (230, 220, 60)
    assert near(image.getpixel((100, 500)), (110, 35, 110), 2)  # the left edge: red over blue


def test_a_large_png_is_scaled_down_to_the_largest_side() -> None:
    data = encode(quadrants(4000, 4000), "PNG")
    out, mime = prepare_cover(data, SOURCE)
    image = decode(out)
    # It has no transparency, so it comes back a JPEG: a photo-like 3000x3000 PNG would put
    # tens of megabytes into every file of the book.
    assert (mime, image.format, image.size) == ("image/jpeg", "JPEG", (MAX_SIDE, MAX_SIDE))
    assert near(image.getpixel((750, 750)), (200, 30, 30))
    assert near(image.getpixel((2250, 2250)), (230, 220, 60))


def test_a_large_wide_image_is_scaled_to_fit_then_padded() -> None:
    out, _ = prepare_cover(encode(quadrants(6000, 3000), "PNG"), SOURCE)
    image = decode(out)
    assert image.size == (MAX_SIDE, MAX_SIDE)
    assert near(image.getpixel((750, 1125)), (200, 30, 30))  # content in rows 750..2249
    assert near(image.getpixel((2250, 1875)), (230, 220, 60))


def test_a_small_image_is_not_scaled_up() -> None:
    out, _ = prepare_cover(encode(quadrants(300, 200), "GIF"), SOURCE)
    assert decode(out).size == (300, 300)


def test_a_gif_becomes_a_jpeg() -> None:
    data = encode(quadrants(500, 500).convert("P", palette=Image.Palette.ADAPTIVE), "GIF")
    out, mime = prepare_cover(data, SOURCE)
    image = decode(out)
    assert (mime, image.format, image.mode, image.size) == ("image/jpeg", "JPEG", "RGB", (500, 500))
    assert near(image.getpixel((100, 100)), (200, 30, 30), 10)


def test_a_transparent_gif_becomes_a_png_that_keeps_its_transparency() -> None:
    image = quadrants(400, 400).convert("P", palette=Image.Palette.ADAPTIVE)
    see_through = image.getpixel((300, 300))  # the yellow quarter's palette entry
    data = encode(image, "GIF", transparency=see_through)
    out, mime = prepare_cover(data, SOURCE)
    result = decode(out)
    assert (mime, result.format, result.mode) == ("image/png", "PNG", "RGBA")
    assert result.getpixel((300, 300))[3] == 0
    assert result.getpixel((100, 100)) == (200, 30, 30, 255)


def test_a_declared_but_unused_transparency_makes_no_png() -> None:
    image = Image.new("RGB", (300, 200), (90, 90, 90)).convert("P", palette=Image.Palette.ADAPTIVE)
    data = encode(image, "GIF", transparency=255)  # a palette entry no pixel uses
    assert prepare_cover(data, SOURCE)[1] == "image/jpeg"


def test_a_transparent_non_square_png_is_padded_with_transparency() -> None:
    image = Image.new("RGBA", (200, 100), (10, 200, 10, 128))
    out, mime = prepare_cover(encode(image, "PNG"), SOURCE)
    result = decode(out)
    assert (mime, result.size) == ("image/png", (200, 200))
    assert result.getpixel((100, 10)) == (0, 0, 0, 0)
    assert result.getpixel((100, 100)) == (10, 200, 10, 128)


@pytest.mark.parametrize("fmt", ["WEBP", "BMP", "TIFF"])
def test_other_formats_become_jpeg(fmt: str) -> None:
    out, mime = prepare_cover(encode(quadrants(320, 320), fmt), SOURCE)
    assert (mime, decode(out).format, decode(out).size) == ("image/jpeg", "JPEG", (320, 320))


def test_a_cmyk_jpeg_becomes_rgb() -> None:
    out, mime = prepare_cover(encode(quadrants(300, 300).convert("CMYK"), "JPEG"), SOURCE)
    assert (mime, decode(out).mode) == ("image/jpeg", "RGB")


def test_an_exif_rotation_is_applied_and_dropped() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90 degrees clockwise
    data = encode(quadrants(400, 400), "JPEG", exif=exif.tobytes())
    out, _ = prepare_cover(data, SOURCE)
    image = decode(out)
    assert image.getexif().get(0x0112) is None
    # Turned clockwise, the red top-left quarter is now top-right.
    assert near(image.getpixel((300, 100)), (200, 30, 30))


def test_no_metadata_is_carried_over() -> None:
    exif = Image.Exif()
    exif[0x010E] = "a description"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for fmt in ("PNG", "JPEG"):
        data = encode(quadrants(300, 200), fmt, icc_profile=icc, exif=exif.tobytes())
        assert "icc_profile" in decode(data).info
        out, _ = prepare_cover(data, SOURCE)
        result = decode(out)
        assert "icc_profile" not in result.info
        assert "exif" not in result.info
        assert not result.getexif()


def test_a_converted_jpeg_is_baseline() -> None:
    data = encode(quadrants(300, 200), "JPEG", progressive=True)
    assert decode(data).info.get("progressive")
    result = decode(prepare_cover(data, SOURCE)[0])
    assert not result.info.get("progressive")
    assert not result.info.get("progression")


def test_16_bit_greyscale_is_scaled_to_8_bits_not_clipped() -> None:
    image = Image.new("I;16", (200, 100), 32768)  # mid grey
    out, _ = prepare_cover(encode(image, "PNG"), SOURCE)
    assert near(decode(out).getpixel((100, 100)), (128, 128, 128), 2)


@pytest.mark.parametrize(
    "make",
    [
        lambda: encode(quadrants(1200, 800), "JPEG"),
        lambda: encode(quadrants(4000, 4000), "PNG"),
        lambda: encode(Image.new("RGBA", (300, 100), (1, 2, 3, 4)), "PNG"),
        lambda: encode(quadrants(333, 500).convert("P", palette=Image.Palette.ADAPTIVE), "GIF"),
    ],
)
def test_the_output_is_deterministic(make: Callable[[], bytes]) -> None:
    data = make()
    first = prepare_cover(data, SOURCE)
    assert prepare_cover(bytes(data), SOURCE) == first
    assert prepare_cover(bytes(data), SOURCE) == first


def test_the_output_is_the_same_in_another_process() -> None:
    # Nothing may depend on the process (hash seeds, addresses, the time): a re-render is
    # byte-identical.
    data = encode(quadrants(640, 480), "PNG")
    script = (
        "import hashlib, sys\n"
        "from pathlib import Path\n"
        "from audiobook.readers.cover import prepare_cover\n"
        "out, mime = prepare_cover(sys.stdin.buffer.read(), Path('cover.png'))\n"
        "print(mime, hashlib.sha256(out).hexdigest())\n"
    )
    others = {
        subprocess.run(
            [sys.executable, "-c", script], input=data, capture_output=True, check=True
        ).stdout.decode()
        for _ in range(2)
    }
    out, mime = prepare_cover(data, SOURCE)
    assert others == {f"{mime} {hashlib.sha256(out).hexdigest()}\n"}


def cover_error(data: bytes, source: Path = SOURCE) -> str:
    with pytest.raises(InputError) as caught:
        prepare_cover(data, source)
    return str(caught.value)


def test_random_bytes_are_refused_naming_the_file() -> None:
    message = cover_error(bytes(range(256)) * 20)
    assert message == (
        f"{SOURCE}: not an image Pillow can read (cannot identify image file); "
        "replace it with a JPEG or PNG"
    )


def test_a_truncated_jpeg_is_refused() -> None:
    data = encode(quadrants(800, 800), "JPEG")
    message = cover_error(data[: len(data) // 2], Path("cover.jpg"))
    assert message.startswith("cover.jpg: not an image Pillow can read (image file is truncated")
    assert message.endswith("; replace it with a JPEG or PNG")


def test_a_png_with_a_broken_checksum_is_refused() -> None:
    data = bytearray(encode(quadrants(200, 200), "PNG"))
    data[-20] ^= 0xFF  # inside the image data: only the checksum shows it
    assert cover_error(bytes(data)).startswith(f"{SOURCE}: not an image Pillow can read")


def test_an_empty_file_is_refused() -> None:
    assert cover_error(b"") == f"{SOURCE}: the cover image is empty; replace it with a JPEG or PNG"


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
        b'\xef\xbb\xbf<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg width="10" height="10"></svg>',
    ],
)
def test_an_svg_is_refused(svg: bytes) -> None:
    message = cover_error(svg, Path("OEBPS/cover.svg"))
    assert message.startswith("OEBPS/cover.svg: an SVG drawing")
    assert "export it as a JPEG or PNG" in message


def test_a_format_outside_the_allowed_few_is_refused() -> None:
    # Pillow reads PCX, but a cover has no business being one (and EPS would run Ghostscript).
    message = cover_error(encode(quadrants(100, 100), "PCX"))
    assert "cannot identify image file" in message


def test_a_png_header_claiming_a_huge_size_is_refused_before_decoding() -> None:
    # 100000 x 100000 pixels declared, a few bytes of data: a decompression bomb.
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + png_chunk(b"IEND", b"")
    )
    message = cover_error(data)
    # Pillow's own check sees the header first (its wording is its own).
    assert message.startswith(f"{SOURCE}: more pixels than Pillow will decode safely (")
    assert "10000000000 pixels" in message
    assert message.endswith(f"; scale it down to {MAX_SIDE}x{MAX_SIDE} pixels or less")


def test_the_pixel_limit_is_ours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cover, "MAX_PIXELS", 1_000_000)
    assert cover_error(encode(quadrants(1001, 1000), "JPEG")) == (
        f"{SOURCE}: 1001x1000 pixels is more than the 1 megapixels a cover may have; "
        f"scale it down to {MAX_SIDE}x{MAX_SIDE} pixels or less"
    )
    assert prepare_cover(encode(quadrants(1000, 1000), "JPEG"), SOURCE)[1] == "image/jpeg"


# 200x200 is 40000 pixels: Pillow raises over twice its limit and warns over it.
@pytest.mark.parametrize("limit", [15_000, 30_000])
def test_pillows_own_bomb_check_becomes_an_input_error(
    monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", limit)
    message = cover_error(encode(quadrants(200, 200), "PNG"))
    assert message.startswith(f"{SOURCE}: more pixels than Pillow will decode")


def test_a_file_over_the_byte_limit_is_refused_before_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cover, "MAX_BYTES", 2**20)
    message = cover_error(b"\xff\xd8" + b"\x00" * (3 * 2**20))
    assert message.startswith(f"{SOURCE}: the cover image is 3 MB, more than the 1 MB")
