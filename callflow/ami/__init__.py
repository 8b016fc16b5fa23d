"""Our own asyncio AMI client: wire parser, connection, dispatcher and typed action builders.

panoramisk 1.4 is not used on the call path (measured and explained in the README `callflow`
section): it decodes every read as ASCII with errors ignored, so 坐席1001 arrives as "1001" and a
pause reason 未在三声内应答 arrives empty, it decodes each TCP read on its own (a UTF-8 character
split across reads is lost), and a raising event callback drops the rest of that read.
"""
