"""Bytes on the wire: credentials applied to a request (auth), one HTTP exchange bounded by a
deadline (transfer), and the record of an exchange with its secrets redacted (recording).

The lowest layer of the library: it knows HTTP, not CBR.
"""
