# kunit.py --qemu_config for a little-endian pseries guest (6.12's
# tools/testing/kunit/qemu_configs/powerpc.py is big-endian).  maxmem above
# -m gives the guest /ibm,dynamic-reconfiguration-memory for the drmem suite.
# Two NUMA nodes and a DIMM of node 0, which QEMU places above node 1's
# memory, as in scripts/guest.py: node 0's pfn span then covers node 1's
# blocks, which the node_memlinks suite needs to check anything.
# movable_node puts the DIMM in ZONE_MOVABLE, and node_memlinks_kunit.hotplug=1
# lets that suite's hot-add case remove and re-add it (scripts/vm.sh: the same).
# One e1000 on pci.0, alone on its INTx pin and with no driver opening it:
# the pci_intx suite maps the INTx of a device whose mapping is its own
# again, and skips without one.
# Used as: kunit.py run|exec --arch=powerpc --qemu_config=kunit/qemu_pseries_le.py \
#              --cross_compile=powerpc64le-linux-gnu-
from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='powerpc',
			   kconfig='''
CONFIG_PPC64=y
CONFIG_CPU_LITTLE_ENDIAN=y
CONFIG_PPC_PSERIES=y
CONFIG_HVC_CONSOLE=y''',
			   qemu_arch='ppc64',
			   kernel_path='vmlinux',
			   kernel_command_line='console=hvc0 movable_node node_memlinks_kunit.hotplug=1',
			   extra_qemu_params=['-M', 'pseries', '-cpu', 'power9',
					      '-m', '2G,slots=4,maxmem=4G',
					      '-object', 'memory-backend-ram,id=ram0,size=1G',
					      '-numa', 'node,nodeid=0,memdev=ram0',
					      '-object', 'memory-backend-ram,id=ram1,size=1G',
					      '-numa', 'node,nodeid=1,memdev=ram1',
					      '-object', 'memory-backend-ram,id=memlinks-mem0,size=256M',
					      '-device', 'pc-dimm,id=memlinks-dimm0,memdev=memlinks-mem0,node=0',
					      '-device', 'e1000,bus=pci.0,addr=2,id=intx-nic0'])
