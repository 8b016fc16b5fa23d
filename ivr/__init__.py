"""The IVR: FastAGI server, intake and survey flows, emergency detection, speech, classification."""
