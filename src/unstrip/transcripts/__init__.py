"""Transcripts in, transcripts out: subtitles, timed word lists and live streams.

Speech-recogniser output rarely comes as one plain string. These modules
restore it in the shape it came in, using that the restorer only inserts
marks and changes case: every input word can be found again in the output.
"""
