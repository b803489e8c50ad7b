# How a layer installs its locked wheels, shared by layers/*/Makefile (sam build, BuildMethod:
# makefile). The including Makefile sets HERE (its own folder) and ARTIFACTS_DIR comes from sam.
#
# The requirements are exported from uv.lock with a hash for every file (make lock), so pip
# installs exactly the locked versions or fails: --require-hashes turns a missing hash into an
# error rather than an unchecked download. `make bench` rebuilds the old, unlocked layer as its
# baseline with HASHES= and REQUIREMENTS=bench/layer_requirements_before.txt.
ifeq ($(ARTIFACTS_DIR),)
$(error ARTIFACTS_DIR is not set (run through sam build))
endif
REQUIREMENTS ?= $(HERE)requirements.txt
HASHES ?= --require-hashes
# Any Python with pip can install for another platform; a pyenv shim that is not active cannot.
PYTHON ?= $(shell for p in python3.12 python3; do $$p -c '' 2>/dev/null && { command -v $$p; break; }; done)
TARGET = $(ARTIFACTS_DIR)/python

# Lambda's python3.12 runtime is Amazon Linux 2023 (glibc 2.34): manylinux 2.28 wheels run there too.
PIP_TARGET_FLAGS := --platform manylinux2014_aarch64 --platform manylinux_2_28_aarch64 \
	--only-binary=:all: --python-version 3.12 --implementation cp

# $(1): extra pip flags (--no-deps for a layer that leans on the PlazaLayer for the rest).
# After the install: boto3 / botocore ship with the runtime, and console scripts (bin/) are never
# run in a layer. Test suites are dead weight. dist-info is kept only for packages that read
# metadata at run time (pydantic, argon2's __version__). /opt is read-only on Lambda, so without
# shipped bytecode every cold start recompiles every module it imports: unchecked-hash .pyc files
# load without comparing source mtimes (a zip keeps them only to 2 s). The magic number is per
# minor version, so only a 3.12 interpreter may compile.
define install_wheels
	mkdir -p "$(TARGET)"
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-warn-conflicts --no-compile \
		$(PIP_TARGET_FLAGS) $(HASHES) $(1) -r "$(REQUIREMENTS)" -t "$(TARGET)"
	rm -rf "$(TARGET)"/boto3 "$(TARGET)"/botocore "$(TARGET)"/s3transfer "$(TARGET)"/bin
	find "$(TARGET)" -depth -type d -name __pycache__ -exec rm -rf {} +
	find "$(TARGET)" -mindepth 2 -type d -name tests -prune -exec rm -rf {} +
	find "$(TARGET)" -maxdepth 1 -type d -name '*.dist-info' ! -name 'pydantic*' \
		! -name 'email_validator*' ! -name 'argon2_cffi-*' -exec rm -rf {} +
	if $(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then \
		$(PYTHON) -m compileall -q -j 0 --invalidation-mode unchecked-hash "$(TARGET)" >/dev/null; \
	else echo "not compiling bytecode: $(PYTHON) is not Python 3.12"; fi
endef
