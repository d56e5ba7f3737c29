# SPDX-License-Identifier: MIT
# Shared by the peer-list tests (t0430, t0440), sourced after tests/lib.sh: a CA and a server
# certificate made here by openssl (nothing touches the system store), and the HTTP(S) server of
# tests/fleet/listserver.py run in a namespace. Set before sourcing: TMP, TOP, the server's
# namespace in $fleet_ns and its address in $fleet_addr; the served directory is $W.
W=$TMP/www
mkdir -p "$W"

fleet_make_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=wgctl-test-ca \
		-keyout "$TMP/ca.key" -out "$TMP/ca.pem" 2>/dev/null &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$fleet_addr" \
			-keyout "$TMP/srv.key" -out "$TMP/srv.csr" 2>/dev/null &&
		printf 'subjectAltName=IP:%s\n' "$fleet_addr" >"$TMP/san.ext" &&
		openssl x509 -req -in "$TMP/srv.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" -CAcreateserial -days 2 \
			-extfile "$TMP/san.ext" -out "$TMP/srv.pem" 2>/dev/null
}

# serve PORT [tls]: starts the server (logging to $TMP/http.log) and waits until it listens.
serve() {
	local tls=() ready=$TMP/server.$1.pid
	rm -f "$ready"
	[ $# -gt 1 ] && tls=(--cert "$TMP/srv.pem" --key "$TMP/srv.key")
	ip netns exec "$fleet_ns" python3 "$TOP/tests/fleet/listserver.py" --root "$W" --port "$1" \
		--log "$TMP/http.log" --ready "$ready" "${tls[@]}" >"$TMP/server.$1.out" 2>&1 &
	for _ in $(seq 50); do [ -e "$ready" ] && return 0; sleep 0.1; done
	return 1
}
stop() { [ -e "$TMP/server.$1.pid" ] && kill "$(cat "$TMP/server.$1.pid")" && rm "$TMP/server.$1.pid" && sleep 0.2; }

# peer NAME ALLOWED-IPS [ENDPOINT]: a [Peer] section for the key pair $TMP/NAME.{key,pub}.
peer() {
	printf '[Peer]\n# Name = %s\nPublicKey = %s\nAllowedIPs = %s\n' "$1" "$(cat "$TMP/$1.pub")" "$2"
	[ $# -gt 2 ] && printf 'Endpoint = %s\n' "$3"
	echo
}
