# kunit.py --qemu_config for a little-endian pseries guest (6.12's
# tools/testing/kunit/qemu_configs/powerpc.py is big-endian).  maxmem above
# -m gives the guest /ibm,dynamic-reconfiguration-memory for the drmem suite.
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
			   kernel_command_line='console=hvc0',
			   extra_qemu_params=['-M', 'pseries', '-cpu', 'power9',
					      '-m', '2G,slots=4,maxmem=4G'])
