# shellcheck shell=bash
# A private apt configuration for fetching the bases and the guest's busybox
# without touching the system's apt sources.  The mirror URIs are read from
# the system's own apt configuration.  Sourced by fetch.sh and initramfs.sh.

APT_DIR=$CACHE/apt

# Print "security-uri main-uri" from the system's apt sources (deb822 and
# one-line formats).
system_mirrors() {
	python3 - /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources <<'PY'
import sys
sec = main = None
def take(uri, suites):
    global sec, main
    if not uri.startswith(("http://", "https://", "file:")):
        return
    if any(s.endswith("-security") for s in suites) or "security" in uri:
        sec = sec or uri
    elif "debian" in uri:
        main = main or uri
for path in sys.argv[1:]:
    try:
        text = open(path).read()
    except OSError:
        continue
    if path.endswith(".sources"):
        for stanza in text.split("\n\n"):
            f = {}
            for line in stanza.splitlines():
                if ":" in line and not line.lstrip().startswith("#"):
                    k, v = line.split(":", 1)
                    f[k.strip().lower()] = v.split()
            if f.get("enabled", ["yes"])[0] == "no":
                continue
            for u in f.get("uris", []):
                take(u, f.get("suites", []))
    else:
        for line in text.splitlines():
            w = line.split()
            if not w or w[0] != "deb":
                continue
            w = w[1:]
            if w and w[0].startswith("["):
                while w and not w[0].endswith("]"):
                    w = w[1:]
                w = w[1:]
            if len(w) >= 2:
                take(w[0], w[1:2])
if not sec and main:
    sec = main.rstrip("/") + "-security"
if not main and sec:
    main = sec.replace("-security", "")
print(sec or "", main or "")
PY
}

apt_opts() {
	echo "-o Dir::State=$APT_DIR/state -o Dir::Cache=$APT_DIR/cache" \
		"-o Dir::Etc::SourceList=$APT_DIR/sources.list" \
		"-o Dir::Etc::SourceParts=$APT_DIR/sources.list.d" \
		"-o Dir::Etc::Preferences=$APT_DIR/preferences" \
		"-o Dir::Etc::PreferencesParts=$APT_DIR/preferences.d" \
		"-o APT::Architectures::=amd64 -o APT::Architectures::=ppc64el" \
		"-o Acquire::Retries=2 -o Acquire::http::Timeout=30"
}

# Write the private configuration and refresh its package lists (once an hour).
apt_private_update() {
	local sec main key=/usr/share/keyrings/debian-archive-keyring.gpg
	read -r sec main < <(system_mirrors)
	[ -n "$sec" ] || die "no Debian mirror found in /etc/apt/sources.list{,.d}; add one (the kit reads the mirror URIs from there)"
	mkdir -p "$APT_DIR"/{state/lists/partial,cache/archives/partial,sources.list.d,preferences.d}
	# Each base's suite (BASE_SUITE), from the security mirror or the main
	# one; bookworm's ppc64el packages for the guest's busybox.
	{
		local suite
		for suite in $(printf '%s\n' "${BASE_SUITE[@]}" | sort -u); do
			case $suite in
			*-security) echo "deb [arch=amd64 signed-by=$key] $sec $suite main" ;;
			*) echo "deb [arch=amd64 signed-by=$key] $main $suite main" ;;
			esac
		done
		echo "deb [arch=ppc64el signed-by=$key] $main bookworm main"
	} >"$APT_DIR/sources.list.new"
	if cmp -s "$APT_DIR/sources.list.new" "$APT_DIR/sources.list" &&
		[ -n "$(find "$APT_DIR/state/lists" -maxdepth 1 -name '*Packages*' -mmin -60 2>/dev/null | head -n 1)" ]; then
		rm -f "$APT_DIR/sources.list.new"
		return 0
	fi
	mv "$APT_DIR/sources.list.new" "$APT_DIR/sources.list"
	# One retry: a mirror in the middle of a sync fails a download at times.
	local try
	for try in 1 2; do
		# shellcheck disable=SC2046
		apt-get $(apt_opts) update >"$APT_DIR/update.log" 2>&1 &&
			! grep -qE '^(E:|Err:)' "$APT_DIR/update.log" && break
		[ "$try" = 2 ] || sleep 5
	done
	if grep -qE '^(E:|Err:)' "$APT_DIR/update.log"; then
		grep -A1 -E '^(E:|Err:)' "$APT_DIR/update.log" | head -n 2 >&2
		rm -f "$APT_DIR/sources.list"
		die "package mirror unreachable ($sec, $main); check the network or the URIs in /etc/apt/sources.list.d; log: $APT_DIR/update.log"
	fi
}

# apt_download PKG=VERSION DESTDIR [WHAT-TO-DO]: fetch one .deb; on failure
# the error names the package and says what to do instead.
apt_download() {
	local spec=$1 dest=$2
	local todo=${3:-is the version still published? log: $APT_DIR/download.log}
	mkdir -p "$dest"
	# shellcheck disable=SC2046
	(cd "$dest" && apt-get $(apt_opts) download "$spec" >"$APT_DIR/download.log" 2>&1) || {
		tail -n 3 "$APT_DIR/download.log" >&2
		die "could not download $spec from the mirror; $todo"
	}
}
