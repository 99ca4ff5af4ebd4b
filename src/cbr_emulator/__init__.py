"""Stateful emulator of the Huawei Cloud Backup and Recovery (CBR) v3 REST API.

Start it with ``cbr-emulator serve`` or in-process with :class:`cbr_emulator.server.EmulatorServer`.
"""

__version__ = "0.1.0"
