#!/bin/bash
# SPDX-License-Identifier: MIT
# Keys out of the config (issue 22): PrivateKeyFile and PresharedKeyFile against the real
# components, in two network namespaces joined by a veth pair.
#  - host A takes its keys from files beside the config (relative) and elsewhere (absolute);
#    host B, as under systemd's LoadCredential=, by bare names from $CREDENTIALS_DIRECTORY (a
#    0500 directory of 0400 files); both come up with `wgctl up` and the tunnel carries traffic;
#  - a bare name without $CREDENTIALS_DIRECTORY is the config directory's, and with it only the
#    credential's (a file of that name beside the config does not stand in);
#  - `wgctl strip` writes each key in its file line's place: Debian's `wg syncconf` takes it,
#    leaving the interface as it was, and applies a rotated preshared key on both hosts;
#  - access: 0644 is wg-quick's "world accessible" warning at the config line naming the file,
#    root:root 0640 is fine, 0640 with another group (nogroup) is "group accessible";
#  - a missing key file, one that holds no key, and a key given twice (inline and as a file)
#    are errors at their line: `up` applies nothing (no [#] line, the namespace unchanged);
#  - save writes the *File lines back and no key, and the saved file brings the tunnel up
#    again; when the running key is no longer the file's, save refuses and leaves the file;
#    down with SaveConfig and its key file gone still removes the interface, file kept;
#  - reload applies a rotated key file, sync reads only the PresharedKeyFiles, reresolve none;
#  - check warns at the line about a missing or exposed key file (text and --json);
#  - the LoadCredential= example of contrib/systemd/wgctl@.service, uncommented, passes
#    systemd-analyze verify;
#  - no message of any of it shows a key.
. "$(dirname "$0")/lib.sh"
require_root
require_cmd ip ping wg
[ -x "$WGCTL" ] || test_skip_all "build $WGCTL first"
[ -c /dev/net/tun ] || test_skip_all "needs /dev/net/tun"

na=wgctl-t450a-$$
nb=wgctl-t450b-$$
test_netns "$na" || test_skip_all "cannot create a network namespace"
test_netns "$nb" || test_skip_all "cannot create a network namespace"
ip link add v450a$$ netns "$na" type veth peer name v450b$$ netns "$nb" ||
	test_skip_all "cannot create a veth pair"
A() { ip netns exec "$na" "$@"; }
B() { ip netns exec "$nb" "$@"; }
for n in A B; do
	$n ip link set lo up
	# No IPv6: the files save writes then depend only on what the test sets.
	$n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
A ip addr add 192.168.45.1/24 dev v450a$$ && A ip link set v450a$$ up
B ip addr add 192.168.45.2/24 dev v450b$$ && B ip link set v450b$$ up

# The sockets stay in /var/run/wireguard, where Debian's wg looks: the names are this run's.
unset WGCTL_RUN_DIR CREDENTIALS_DIRECTORY
export WGCTL_STATE_DIR=$TMP/state
IA=t450a$$ IB=t450b$$ IC=t450c$$
umask 077
KA=$("$WGCTL" genkey) && KB=$("$WGCTL" genkey) && KX=$("$WGCTL" genkey)
PSK=$("$WGCTL" genpsk) && PSK2=$("$WGCTL" genpsk) && PSK3=$("$WGCTL" genpsk)
PA=$(echo "$KA" | "$WGCTL" pubkey) && PB=$(echo "$KB" | "$WGCTL" pubkey)
b64hex() { echo "$1" | base64 -d | od -An -tx1 | tr -d ' \n'; }
secrets=()
for k in "$KA" "$KB" "$KX" "$PSK" "$PSK2" "$PSK3"; do
	h=$(b64hex "$k")
	secrets+=("$k" "${k:0:10}" "$h" "${h:0:10}")
done
# no_secrets FILE...: no key, in base64 or hex, nor the first 10 characters of one.
no_secrets() {
	local s f bad=0
	for f in "$@"; do
		for s in "${secrets[@]}"; do
			if grep -qiF -- "$s" "$f"; then
				echo "secret \`${s:0:4}...' found in $f:" && grep -niF -- "$s" "$f" | head -n 3
				bad=1
			fi
		done
	done
	return $bad
}
# Every message of the test goes here too, for the last check.
LOGS=$TMP/logs
mkdir -p "$LOGS"
log() { cat "$1" >>"$LOGS/all"; }

# Host A: its own key beside the config, the preshared key elsewhere.
mkdir -p "$TMP/a" "$TMP/keys"
printf '%s\n' "$KA" >"$TMP/a/$IA.key" && printf '%s\n' "$PSK" >"$TMP/keys/psk"
CA=$TMP/a/$IA.conf
cat >"$CA" <<EOF
[Interface]
PrivateKeyFile = $IA.key
Address = 10.45.0.1/24
ListenPort = 51845

[Peer]
PublicKey = $PB
PresharedKeyFile = $TMP/keys/psk
AllowedIPs = 10.45.0.2/32
Endpoint = 192.168.45.2:51846
EOF
# Host B: bare names, credentials as systemd leaves them (0400 files in a 0500 directory).
mkdir -p "$TMP/b" "$TMP/creds"
printf '%s\n' "$KB" >"$TMP/creds/wg-private" && printf '%s\n' "$PSK" >"$TMP/creds/wg-psk"
chmod 0400 "$TMP/creds"/* && chmod 0500 "$TMP/creds"
CB=$TMP/b/$IB.conf
cat >"$CB" <<EOF
[Interface]
PrivateKeyFile = wg-private
Address = 10.45.0.2/24
ListenPort = 51846

[Peer]
PublicKey = $PA
PresharedKeyFile = wg-psk
AllowedIPs = 10.45.0.1/32
Endpoint = 192.168.45.1:51845
EOF
CRED="env CREDENTIALS_DIRECTORY=$TMP/creds"

test_expect_success 'up: PrivateKeyFile (relative) and PresharedKeyFile (absolute) are the interface'"'"'s keys' '
	A "$WGCTL" up "$CA" 2>up-a.log; rc=$?; log up-a.log; cat up-a.log; [ $rc = 0 ] &&
	! grep -q "Warning" up-a.log &&
	[ "$(A wg show $IA private-key)" = "$KA" ] &&
	[ "$(A wg show $IA preshared-keys)" = "$(printf "%s\t%s" "$PB" "$PSK")" ]
'
test_expect_success 'up through $CREDENTIALS_DIRECTORY (LoadCredential=), and the tunnel carries traffic' '
	B $CRED "$WGCTL" up "$CB" 2>up-b.log; rc=$?; log up-b.log; cat up-b.log; [ $rc = 0 ] &&
	! grep -q "Warning" up-b.log &&
	[ "$(B wg show $IB private-key)" = "$KB" ] &&
	[ "$(B wg show $IB preshared-keys)" = "$(printf "%s\t%s" "$PA" "$PSK")" ] &&
	A ping -c 3 -i 0.2 -W 3 10.45.0.2 >/dev/null &&
	[ "$(A wg show $IA latest-handshakes | cut -f2)" -gt 0 ]
'
test_expect_success 'a bare name: the credential only with $CREDENTIALS_DIRECTORY, else the config directory'"'"'s' '
	! "$WGCTL" strip "$CB" >out 2>err; log err &&
	grep -qxF "$CB:2: PrivateKeyFile \`$TMP/b/wg-private'"'"': No such file or directory" err &&
	grep -qxF "$CB:8: PresharedKeyFile \`$TMP/b/wg-psk'"'"': No such file or directory" err &&
	grep -qxF "wgctl: $CB: 2 errors; nothing was applied" err && [ ! -s out ] &&
	printf "%s\n" "$KX" >"$TMP/b/wg-private" && printf "%s\n" "$PSK3" >"$TMP/b/wg-psk" &&
	"$WGCTL" strip "$CB" >beside 2>err && log err && grep -qx "PrivateKey = $KX" beside &&
	$CRED "$WGCTL" strip "$CB" >cred 2>err && log err && grep -qx "PrivateKey = $KB" cred &&
	grep -qx "PresharedKey = $PSK" cred &&
	mv "$TMP/creds/wg-private" gone && ! $CRED "$WGCTL" strip "$CB" >out 2>err; log err &&
	grep -qxF "$CB:2: PrivateKeyFile \`$TMP/creds/wg-private'"'"': No such file or directory" err &&
	mv gone "$TMP/creds/wg-private" && rm "$TMP/b/wg-private" "$TMP/b/wg-psk"
'
test_expect_success 'strip writes each key in its line'"'"'s place; Debian'"'"'s wg syncconf takes it, nothing changes' '
	"$WGCTL" strip "$CA" >s 2>err && log err &&
	printf "[Interface]\nPrivateKey = %s\nListenPort = 51845\n\n[Peer]\nPublicKey = %s\nPresharedKey = %s\nAllowedIPs = 10.45.0.2/32\nEndpoint = 192.168.45.2:51846\n\n" \
		"$KA" "$PB" "$PSK" >want && diff want s &&
	A wg showconf $IA >before && A /usr/bin/wg syncconf $IA s && A wg showconf $IA >after &&
	diff before after
'
test_expect_success 'a rotated preshared key reaches both hosts through strip | wg syncconf' '
	printf "%s\n" "$PSK2" >"$TMP/keys/psk" &&
	printf "%s\n" "$PSK2" >"$TMP/creds/wg-psk" &&
	A bash -c "/usr/bin/wg syncconf $IA <(\"$WGCTL\" strip \"$CA\")" 2>err && log err &&
	B $CRED bash -c "/usr/bin/wg syncconf $IB <(\"$WGCTL\" strip \"$CB\")" 2>err && log err &&
	[ "$(A wg show $IA preshared-keys | cut -f2)" = "$PSK2" ] &&
	[ "$(B wg show $IB preshared-keys | cut -f2)" = "$PSK2" ] &&
	A ping -c 2 -i 0.2 -W 3 10.45.0.2 >/dev/null
'
test_expect_success 'access: 0644 is world accessible, root:root 0640 fine, 0640 nogroup group accessible' '
	chmod 0644 "$TMP/a/$IA.key" && "$WGCTL" strip "$CA" >/dev/null 2>err && log err &&
	[ "$(cat err)" = "$CA:2: Warning: \`$TMP/a/$IA.key'"'"' is world accessible" ] &&
	chown root:root "$TMP/a/$IA.key" && chmod 0640 "$TMP/a/$IA.key" &&
	"$WGCTL" strip "$CA" >/dev/null 2>err && log err && [ ! -s err ] &&
	chgrp nogroup "$TMP/a/$IA.key" && "$WGCTL" strip "$CA" >/dev/null 2>err && log err &&
	[ "$(cat err)" = "$CA:2: Warning: \`$TMP/a/$IA.key'"'"' is group accessible" ] &&
	chmod 0600 "$TMP/keys/psk" && chmod 0604 "$TMP/keys/psk" &&
	"$WGCTL" strip "$CA" >/dev/null 2>err && log err &&
	grep -qxF "$CA:8: Warning: \`$TMP/keys/psk'"'"' is world accessible" err &&
	chgrp root "$TMP/a/$IA.key" && chmod 0600 "$TMP/a/$IA.key" "$TMP/keys/psk"
'

# The state of namespace A that `up` of another interface there must leave alone.
snap() {
	{
		A ip -o link show | sed 's/^[0-9]*: //; s/ qlen.*//' | cut -d" " -f1-2
		A ip -o addr show | sed 's/ valid_lft.*//; s/^[0-9]*: //'
		A ip route show table all | sort
		A ip rule show
		ls /var/run/wireguard/ 2>/dev/null | grep "^$IC" || true
	} 2>&1
}
mkdir -p "$TMP/c"
CC=$TMP/c/$IC.conf
cconf() { # private-key-lines (printf %b)
	printf "[Interface]\n%b\nAddress = 10.46.0.1/24\nTable = 1234\nPostUp = true\n\n[Peer]\nPublicKey = %s\nPresharedKeyFile = psk\nAllowedIPs = 10.46.0.0/16\n" \
		"$1" "$PB" >"$CC"
}
cconf "PrivateKeyFile = $IC.key"
printf "%s\n" "$KX" >"$TMP/c/$IC.key"
test_expect_success 'a missing key file: an error at its line naming the file; up applies nothing' '
	snap >before && ! A "$WGCTL" up "$CC" >out 2>err; log err; cat err &&
	[ "$(cat err)" = "$(printf "%s\n%s" "$CC:9: PresharedKeyFile \`$TMP/c/psk'"'"': No such file or directory" \
		"wgctl: $CC: 1 error; nothing was applied")" ] &&
	[ ! -s out ] && snap >after && diff before after && ! A ip link show $IC 2>/dev/null
'
test_expect_success 'a key file that holds no key: an error that shows none of it; nothing applied' '
	printf "%s  %s\n" "$PSK" "$KX" >"$TMP/c/psk" && snap >before &&
	! A "$WGCTL" up "$CC" 2>err; log err; cat err &&
	grep -qxF "$CC:9: PresharedKeyFile \`$TMP/c/psk'"'"': not one base64 key (91 bytes; the contents are not shown)" err &&
	! grep -q "^\[#\]" err && snap >after && diff before after && no_secrets err &&
	: >"$TMP/c/psk" && ! A "$WGCTL" up "$CC" 2>err; log err &&
	grep -qxF "$CC:9: PresharedKeyFile \`$TMP/c/psk'"'"': the file is empty" err &&
	rm "$TMP/c/psk" && mkfifo "$TMP/c/psk" && ! A "$WGCTL" up "$CC" 2>err; log err &&
	grep -qxF "$CC:9: PresharedKeyFile \`$TMP/c/psk'"'"': not a regular file" err &&
	rm "$TMP/c/psk" && snap >after && diff before after
'
test_expect_success 'a key inline and as a file for the same slot: an error; nothing applied' '
	printf "%s\n" "$PSK" >"$TMP/c/psk" && cconf "PrivateKeyFile = $IC.key\nPrivateKey = $KX" &&
	snap >before && ! A "$WGCTL" up "$CC" 2>err; log err; cat err &&
	grep -qxF "$CC:3: PrivateKey and the PrivateKeyFile of line 2 are the same key: keep one of them" err &&
	snap >after && diff before after && no_secrets err &&
	cconf "PrivateKeyFile = $IC.key" && A "$WGCTL" up --dry-run "$CC" 2>err && log err
'

test_expect_success 'save keeps the *File lines and writes no key; the saved file comes up again' '
	A "$WGCTL" save "$CA" 2>err; rc=$?; log err; cat err; [ $rc = 0 ] &&
	cat "$CA" && [ "$(stat -c %a "$CA")" = 600 ] &&
	grep -qx "PrivateKeyFile = $IA.key" "$CA" &&
	grep -qx "PresharedKeyFile = $TMP/keys/psk" "$CA" &&
	! grep -qi "^PrivateKey *=\|^PresharedKey *=" "$CA" && no_secrets "$CA" &&
	A "$WGCTL" down "$CA" 2>err && log err && ! A ip link show $IA 2>/dev/null &&
	A "$WGCTL" up "$CA" 2>err && log err &&
	[ "$(A wg show $IA private-key)" = "$KA" ] &&
	[ "$(A wg show $IA preshared-keys | cut -f2)" = "$PSK2" ] &&
	A ping -c 2 -i 0.2 -W 3 10.45.0.2 >/dev/null
'
test_expect_success 'save refuses when the running key is not its file'"'"'s, and leaves the file' '
	cp -p "$CA" saved && A wg set $IA private-key <(echo "$KX") &&
	ln=$(grep -n "^PrivateKeyFile" "$CA" | cut -d: -f1) &&
	! A "$WGCTL" save "$CA" 2>err; log err; cat err &&
	grep -qxF "wgctl: $CA:$ln: the running private key is not the one in PrivateKeyFile \`$TMP/a/$IA.key'"'"': not saved, since the file would lose it (put the running key in that file, or set the file'"'"'s back)" err &&
	cmp saved "$CA" && A wg set $IA private-key "$TMP/a/$IA.key" && A "$WGCTL" save "$CA" 2>err && log err
'
test_expect_success 'reload applies a rotated key file; sync reads only PresharedKeyFiles; reresolve none' '
	printf "%s\n" "$PSK3" >"$TMP/keys/psk" && A "$WGCTL" reload "$CA" 2>err && log err &&
	[ "$(A wg show $IA preshared-keys | cut -f2)" = "$PSK3" ] &&
	mkdir -p pskonly && printf "%s\n" "$PSK3" >pskonly/wg-psk &&
	B env CREDENTIALS_DIRECTORY=$PWD/pskonly "$WGCTL" sync "$CB" >out 2>err; rc=$?; log err; cat err out;
	[ $rc = 0 ] && [ "$(B wg show $IB preshared-keys | cut -f2)" = "$PSK3" ] &&
	[ "$(B wg show $IB private-key)" = "$KB" ] &&
	B "$WGCTL" reresolve "$CB" 2>err && log err && [ ! -s err ] &&
	A ping -c 2 -i 0.2 -W 3 10.45.0.2 >/dev/null
'
test_expect_success 'check: a missing and an exposed key file are warnings at their lines (text and --json)' '
	cconf "PrivateKeyFile = $IC.key" && chmod 0644 "$TMP/c/$IC.key" &&
	"$WGCTL" check "$CC" >out 2>err; rc=$?; log err; cat out err; [ $rc = 0 ] &&
	grep -qxF "$CC:2: Warning: \`$TMP/c/$IC.key'"'"' is world accessible" err &&
	grep -qxF "$CC: ok (1 warning)" out &&
	rm "$TMP/c/psk" && "$WGCTL" check --json "$CC" >out 2>err; rc=$?; log err; cat out; [ $rc = 0 ] &&
	grep -qF "{\"severity\":\"warning\",\"code\":\"parse\",\"message\":\"PresharedKeyFile \`$TMP/c/psk'"'"': No such file or directory\",\"locations\":[{\"file\":\"$CC\",\"line\":9}]}" out &&
	grep -qF "\"errors\":0,\"warnings\":2}" out && ! grep -q "no PrivateKey" out &&
	chmod 0600 "$TMP/c/$IC.key"
'
test_expect_success 'down with SaveConfig and its key file gone: the interface goes, the file stays' '
	sed -i "s/^ListenPort = 51845$/&\nSaveConfig = true/" "$CA" && cp -p "$CA" before &&
	ln=$(grep -n "^PrivateKeyFile" "$CA" | cut -d: -f1) &&
	mv "$TMP/a/$IA.key" "$TMP/a/away" && ! A "$WGCTL" down "$CA" 2>err; log err; cat err &&
	grep -qxF "$CA:$ln: Warning: PrivateKeyFile \`$TMP/a/$IA.key'"'"': No such file or directory" err &&
	grep -qxF "wgctl: $CA:$ln: PrivateKeyFile \`$TMP/a/$IA.key'"'"' was not read, so the running key cannot be checked against it: not saved" err &&
	! A ip link show $IA 2>/dev/null && cmp before "$CA" && mv "$TMP/a/away" "$TMP/a/$IA.key"
'
test_expect_success 'down with SaveConfig and its key files there: saved, *File lines kept' '
	A "$WGCTL" up "$CA" 2>err && log err && A wg set $IA listen-port 51847 &&
	A "$WGCTL" down "$CA" 2>err && log err && ! A ip link show $IA 2>/dev/null &&
	grep -qx "ListenPort = 51847" "$CA" && grep -qx "PrivateKeyFile = $IA.key" "$CA" &&
	no_secrets "$CA"
'
B "$WGCTL" down "$CB" 2>"$LOGS/down-b" || true

UNIT=$TOP/contrib/systemd/wgctl@.service
if command -v systemd-analyze >/dev/null; then
	test_expect_success 'the LoadCredential= example of wgctl@.service, uncommented, verifies' '
		mkdir units && sed "s|/usr/bin/wgctl|$WGCTL|g; s/^#   \(LoadCredential=\)/\1/" \
			"$UNIT" >units/wgctl@.service &&
		[ "$(grep -c "^LoadCredential=" units/wgctl@.service)" = 2 ] &&
		systemd-analyze verify --man=no "$PWD/units/wgctl@.service" >out 2>&1; rc=$?; cat out;
		[ $rc = 0 ] && ! grep -q . out
	'
else
	test_skip 'the LoadCredential= example verifies: systemd-analyze is not installed'
fi
test_expect_success 'no message of this test showed a key' '
	cat "$LOGS"/* >all && [ -s all ] && no_secrets all
'
test_done
