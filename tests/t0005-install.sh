#!/bin/bash
# SPDX-License-Identifier: MIT
# make install / install-compat layout (systemd units point at the installed binary), man pages
# lint-clean, shell completion.
. "$(dirname "$0")/lib.sh"

test_expect_success 'make install honours DESTDIR and PREFIX' '
	make -s -C "$TOP" install DESTDIR="$TMP/d" PREFIX=/opt/w >/dev/null &&
	test -x d/opt/w/bin/wgctl && [ "$(readlink d/opt/w/bin/wgctl-daemon)" = wgctl ] &&
	test -f d/opt/w/share/man/man8/wgctl.8 && test -f d/opt/w/share/man/man5/wgctl.conf.5 &&
	test -f d/opt/w/share/bash-completion/completions/wgctl &&
	test -f d/opt/w/share/zsh/vendor-completions/_wgctl && ! test -e d/opt/w/bin/wg &&
	grep -qx "ExecStart=/opt/w/bin/wgctl up %i" d/opt/w/lib/systemd/system/wgctl@.service &&
	test -f d/opt/w/lib/systemd/system/wgctl-sync@.timer &&
	! grep -rq "/usr/bin/wgctl" d/opt/w/lib/systemd/system
'
test_expect_success 'make install-compat adds wg and wg-quick links that behave as those tools' '
	make -s -C "$TOP" install-compat DESTDIR="$TMP/d" PREFIX=/opt/w >/dev/null &&
	[ "$(readlink d/opt/w/bin/wg)" = wgctl ] && [ "$(readlink d/opt/w/bin/wg-quick)" = wgctl ] &&
	d/opt/w/bin/wg genkey | d/opt/w/bin/wg pubkey | grep -q "=$" &&
	d/opt/w/bin/wg-quick --help | grep -q "^Usage: wg-quick"
'
test_expect_success 'uninstall removes what install put there' '
	make -s -C "$TOP" uninstall DESTDIR="$TMP/d" PREFIX=/opt/w >/dev/null &&
	! test -e d/opt/w/bin/wgctl && ! test -e d/opt/w/bin/wg && ! test -e d/opt/w/bin/wgctl-daemon &&
	[ -z "$(ls d/opt/w/lib/systemd/system)" ]
'
if command -v mandoc >/dev/null; then
	test_expect_success 'man pages are lint-clean under mandoc -Tlint' '
		mandoc -Tlint -W warning "$TOP/man/wgctl.8" "$TOP/man/wgctl.conf.5"
	'
else
	test_skip "mandoc not installed"
fi
test_expect_success 'bash completion: subcommands, config names, set keywords' '
	mkdir -p confs && touch confs/wg0.conf confs/office.conf &&
	WGCTL_CONFIG_DIR=$TMP/confs bash -c "
		. \"$TOP/completion/wgctl.bash-completion\"
		COMP_WORDS=(wgctl st); COMP_CWORD=1; _wgctl; echo \"\${COMPREPLY[*]}\"
		COMP_WORDS=(wgctl up \"\"); COMP_CWORD=2; _wgctl; echo \"\${COMPREPLY[*]}\"
		COMP_WORDS=(wgctl set wg0 listen-port 1 \"\"); COMP_CWORD=5; _wgctl; echo \"\${COMPREPLY[*]}\"
		COMP_WORDS=(wg u); COMP_CWORD=1; _wgctl; echo \"[\${COMPREPLY[*]}]\"
		COMP_WORDS=(wgctl si); COMP_CWORD=1; _wgctl; echo \"\${COMPREPLY[*]}\"
		COMP_WORDS=(wgctl check -); COMP_CWORD=2; _wgctl; echo \"\${COMPREPLY[*]}\"
		COMP_WORDS=(wgctl sync -); COMP_CWORD=2; _wgctl; echo \"\${COMPREPLY[*]}\"
		COMP_WORDS=(wgctl pubkey -); COMP_CWORD=2; _wgctl; echo \"\${COMPREPLY[*]}\"
		COMP_WORDS=(wgctl exec ns -u roo); COMP_CWORD=4; _wgctl; echo \"\${COMPREPLY[*]}\"
		COMP_WORDS=(wgctl killswitch \"\"); COMP_CWORD=2; _wgctl; echo \"\${COMPREPLY[*]}\"
	" >out &&
	sed -n 9p out | grep -qx "root" && sed -n 10p out | grep -qx "off" &&
	sed -n 5p out | grep -qx "sign" && sed -n 6p out | grep -qx -- "--json" &&
	sed -n 7p out | grep -qx -- "--dry-run --netns" && sed -n 8p out | grep -qx -- "--ed25519" &&
	sed -n 1p out | grep -qx "strip" && sed -n 2p out | grep -q "office" && sed -n 2p out | grep -q "wg0" &&
	sed -n 3p out | grep -qx "peer fwmark private-key" && sed -n 4p out | grep -qx "\[\]"
'
test_expect_success 'zsh completion file parses' '
	if command -v zsh >/dev/null; then zsh -n "$TOP/completion/wgctl.zsh-completion"; fi
'
test_done
