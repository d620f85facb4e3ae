"""A layer's picture: the facade a notebook and `tconv animate` call (`picture(layer)`, then
`Picture.save`, `encoded`, `player`), above the renderers it drives.

The options and budgets live in `render.options`, the page and sheet geometry in
`render.page`; their names are re-exported here, where callers have always found them.
Pure Python: nothing heavy is imported until a picture is drawn.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .choices import View
from .errors import ParameterError
from .render.options import (  # noqa: F401 - re-exported: callers import them from here
    ASKED_FPS,
    DEFAULT_HOLD,
    DELAY_STEP_MS,
    FIT_MIN_CELL,
    LONG_ANIMATION,
    LONGEST_PLAY,
    MAX_DELAY_MS,
    MAX_FPS,
    MAX_LOOP,
    MAX_PDF_PIXELS,
    MAX_VECTOR_BYTES,
    MAX_WEBP_PIXELS,
    MAX_WIDTH,
    MAX_WINDOWED_CELLS,
    MIN_WIDTH,
    STAMP_CELL,
    PictureOptions,
    Timing,
    default_style,
    scenes_of,
)
from .render.page import (  # noqa: F401 - re-exported: callers import them from here
    A4_ASPECT,
    A4_WIDTH_MM,
    DEFAULT_CELL,
    MAX_CELL,
    MAX_FRAME_PIXELS,
    MAX_PAGE_PIXELS,
    MAX_SHEET_COLUMNS,
    MIN_CELL,
    MIN_PRINTED_TEXT_MM,
    a4_print,
    sheet_grid,
    sheet_grid_of,
)


def default_name(layer, options: PictureOptions) -> Path:
    """A file name that describes the layer and the picture: tconv_i3_k3_s2_p1.gif; the view
    and style are named when they are not the defaults, so pictures do not overwrite each
    other."""

    def part(values) -> str:
        return str(values[0]) if len(set(values)) == 1 else "x".join(map(str, values))

    pads = [str(a.pad_lo) if a.pad_lo == a.pad_hi else f"{a.pad_lo}-{a.pad_hi}" for a in layer]
    parts = [
        "tconv",
        "conv" if options.view == View.conv else None,
        f"i{part([a.size for a in layer])}",
        f"k{part([a.kernel for a in layer])}",
        f"s{part([a.stride for a in layer])}",
        f"p{part(pads)}",
    ]
    if any(a.dilation != 1 for a in layer):
        parts.append(f"d{part([a.dilation for a in layer])}")
    if any(a.output_padding for a in layer):
        parts.append(f"op{part([a.output_padding for a in layer])}")
    if options.view not in (View.gather, View.conv):
        parts.append(options.view.value)
    if options.style != default_style(options.view):
        parts.append(options.style.value)
    if options.frame is not None:
        parts.append(f"f{options.frame}")
    if options.sheet:
        parts.append("sheet")
    return Path("_".join(p for p in parts if p) + f".{options.file_format.value}")


@dataclass(frozen=True)
class Picture:
    """A layer's frames, to save as GIF, APNG, WebP or PNG, or to show in a notebook:
    `ConvTranspose(kernel_size=3, stride=2, padding=1).scene((3, 3)).save("x.gif")`."""

    scene: object  # scene.Scene (typed loosely: this module stays free of numpy)

    @property
    def frame_count(self) -> int:
        return self.scene.frame_count

    def save(
        self,
        path: str | Path,
        *,
        style: str | None = None,
        fps: float | None = None,
        loop: int = 0,
        cell: int | None = None,
        labels: bool = True,
        frame: int | None = None,
        sheet: bool = False,
        max_frames: int = 1024,
        hold: float = DEFAULT_HOLD,
        width: int | None = None,
        animated: bool = False,
        force: bool = False,
        fit: tuple[int, int] | str | None = None,
        frames: str | None = None,
        every: int = 1,
        row: int | None = None,
    ) -> Path:
        """Write the picture (the format from the suffix), atomically; an existing file is
        kept unless `force`. Returns the path. See `PictureOptions` for the options; `style`
        None: the view's own."""
        if not isinstance(path, (str, os.PathLike)):
            raise ParameterError(
                "output", repr(path)[:60], 'must be a file name (a str or a Path), e.g. "layer.gif"'
            )
        path = Path(path)
        options = PictureOptions(
            view=self.scene.view,
            style=style,
            output=path,
            fps=fps,
            loop=loop,
            cell=cell,
            frame=frame,
            sheet=sheet,
            max_frames=max_frames,
            labels=labels,
            hold=hold,
            width=width,
            values=self.scene.values,
            animated=animated,
            fit=fit,
            frames=frames,
            every=every,
            row=row,
        )
        self.write(path, options, force=force, forcing="force=True")
        return path

    def write(
        self,
        path: Path,
        options: PictureOptions,
        *,
        force: bool = False,
        forcing: str = "--force",
        progress=None,
        checked=None,
    ) -> tuple:
        """Check the budgets, then write atomically; returns the size in pixels written (the
        page for a sheet, else a frame; for a PDF's A4 pages, then what they are, a
        `render.page.Handout`). `progress(k)` hears of every k frames drawn; `checked(cell)`
        is called once the picture is accepted and the path writable (a command's notes: none
        precede a refusal): before a raster is drawn, and after an SVG or HTML document is,
        which is built in memory and budgeted whole."""
        from .files import check_writable, write_atomically
        from .render import encode

        options.plan(self.scene.layer)
        scene = self.scene
        chosen = options.selection(scene.layer)  # --frames, --every, --row
        if chosen is not None and scene.selection != chosen:
            from dataclasses import replace

            scene = replace(scene, selection=chosen)
        if options.moving:  # a large grid animated: a window moving with the frames
            from .scene import windowed

            scene = windowed(scene, moving=True)
        cell = options.cell_for(scene)  # a width too narrow is refused before writing
        if options.boards_animated(scene):  # a board's budgets, from its layout
            encode.frame_size(scene, options, cell)
        check_writable(path, force, "output", forcing)
        if options.file_format.vector:  # its size known once drawn: drawn before it is written
            import io

            document = io.BytesIO()
            size = encode.write(scene, document, options, progress=progress, cell=cell)
            if checked is not None:
                checked(cell)
            write_atomically(path, lambda stream: stream.write(document.getvalue()))
            return size
        if checked is not None:
            checked(cell)
        size = ()

        def write(stream) -> None:
            nonlocal size
            size = encode.write(scene, stream, options, progress=progress, cell=cell)

        write_atomically(path, write)
        return size

    def encoded(self, **options) -> bytes:
        """The picture's bytes (GIF unless `format=` says otherwise, or a PNG still with
        `frame=`), for a page or a notebook."""
        import io

        from .render import encode

        chosen = PictureOptions(view=self.scene.view, values=self.scene.values, **options)
        stream = io.BytesIO()
        encode.write(self.scene, stream, chosen)
        return stream.getvalue()

    def player(self, **options) -> Player:
        """The interactive HTML player of these frames (`style`, `cell`, `fps`, `loop`,
        `labels`, `frame`: as for `save`); a notebook shows it inline, in a frame of its own:
        `ConvTranspose(3, 2, 1).scene((3, 3), values=True).player()`."""
        return Player(self.encoded(format="html", **options).decode("utf-8"))

    def _repr_html_(self) -> str:
        """In Jupyter: the animation inline, as a GIF in the page (no server needed; the
        interactive player is `player()`)."""
        from base64 import b64encode
        from html import escape

        data = b64encode(self.encoded()).decode("ascii")
        caption = escape(str(self.scene.caption))
        return f'<img src="data:image/gif;base64,{data}" alt="{caption}" title="{caption}">'

    def _repr_png_(self) -> bytes:
        """Where HTML is not shown: the last frame, which holds every step drawn."""
        return self.encoded(frame=self.frame_count)


@dataclass(frozen=True)
class Player:
    """A self-contained HTML page that plays a picture's frames: `html` to write anywhere; in
    a notebook it shows inline, isolated in an iframe (its script and keys stay its own)."""

    html: str

    def _repr_html_(self) -> str:
        from html import escape

        return (
            f'<iframe srcdoc="{escape(self.html)}" style="border: 0; width: 100%; '
            'height: 640px" sandbox="allow-scripts" title="tconv player"></iframe>'
        )


def picture(
    layer, view: str = "gather", *, values: bool = False, seed: int = 0, max_frames: int = 1024
) -> Picture:
    """The picture of a checked layer; `values`: small random integers in the cells. Too many
    frames, or frames too large to draw, are refused before anything is built."""
    from .numeric import sample_values

    options = PictureOptions(view=view, max_frames=max_frames, values=values)
    options.plan(layer)
    x, w = sample_values(layer, seed) if values else (None, None)
    return Picture(scenes_of(options.view).build(layer, options.view.value, x, w))
