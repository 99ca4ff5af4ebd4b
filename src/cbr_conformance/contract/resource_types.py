"""The kinds of resource CBR backs up, as the reference names them (4.2.1, Table 4-5: the resource
types of a vault's resources), and the vault's object type each belongs to (Table 4-8)."""

from __future__ import annotations

SERVER = "OS::Nova::Server"
VOLUME = "OS::Cinder::Volume"
BMS = "OS::Ironic::BareMetalServer"
TURBO = "OS::Sfs::Turbo"
# The sections of an inventory file (the emulator's inventory shape), by the type they hold.
SECTIONS = {"servers": SERVER, "volumes": VOLUME, "bare_metal_servers": BMS, "sfs_turbos": TURBO}
OBJECT_TYPE = {SERVER: "server", BMS: "server", VOLUME: "disk", TURBO: "turbo"}
