"""media: the ground floor every stage stands on — running ffmpeg, probing media, grabbing frames.

``ffmpeg`` is the one runner of ffmpeg (its arguments, timeout, stall watchdog and errors),
``probe`` the one probe (PyAV), ``frames`` the frame grabber. Below run/, cut/ and compile/
alike, so no stage reaches into another for its media code (cut -> run was a cycle).
"""
