"""cvlfic's plugins for other libraries (``cvlfic.plugins``).

* ``pillow_lfic``: a Pillow image plugin for ``.lfic`` files (import it to register).
* ``pyav_input``: FFmpeg input through PyAV, used by ``cvlfic video`` when PyAV is installed.
"""
