"""Renderers of a scene: they draw what `scene` says and decide nothing about content.

palette (colours and role looks, shared) · layout (page geometry) · raster (Pillow drawing) ·
encode (GIF/APNG/WebP/stills/sheets) · terminal (Rich) · text (plain-text reports).
Nothing is imported here, so `render.text` stays as light as the commands that use it.
"""
