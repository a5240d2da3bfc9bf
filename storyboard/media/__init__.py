"""media: the ground floor every stage stands on — where ffmpeg comes from, probing a clip, its frames.

Below run/ and cut/ alike, so the cut no longer imports the runner's package (that was a cycle).
"""
