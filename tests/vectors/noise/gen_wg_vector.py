#!/usr/bin/python3
# SPDX-License-Identifier: MIT
#
# Independent reference for the WireGuard handshake, used to produce the expected bytes that
# tests/unit/t_noise_handshake.c checks the C core against. Written from the whitepaper with
# hashlib.blake2s and pyca/cryptography only; it shares no code with lib/.
#
# It first replays the cacophony Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s vector (prologue
# "John Galt") and asserts every ciphertext, which validates this script and yields the handshake
# hash that cacophony.txt does not list. Then it builds a WireGuard-framed exchange from fixed
# keys, ephemerals, PSK, TAI64N label and indices: a 148-byte initiation, a 92-byte response, the
# first transport message, and a cookie reply from a fixed secret and nonce.
#
# Usage: /usr/bin/python3 gen_wg_vector.py > wg_vector.h

import hashlib
import hmac
import struct
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

CONSTRUCTION = b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
IDENTIFIER = b"WireGuard v1 zx2c4 Jason@zx2c4.com"
LABEL_MAC1 = b"mac1----"
LABEL_COOKIE = b"cookie--"


def HASH(data):
    return hashlib.blake2s(data).digest()


def MAC(key, data):
    return hashlib.blake2s(data, key=key, digest_size=16).digest()


def HMAC(key, data):
    return hmac.new(key, data, hashlib.blake2s).digest()


def KDF(n, key, data):
    prk = HMAC(key, data)
    out, prev = [], b""
    for i in range(1, n + 1):
        prev = HMAC(prk, prev + bytes([i]))
        out.append(prev)
    return out


def pub(priv):
    return X25519PrivateKey.from_private_bytes(priv).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def DH(priv, public):
    return X25519PrivateKey.from_private_bytes(priv).exchange(X25519PublicKey.from_public_bytes(public))


def aead_nonce(counter):
    return b"\0" * 4 + struct.pack("<Q", counter)


def AEAD(key, counter, plain, ad):
    return ChaCha20Poly1305(key).encrypt(aead_nonce(counter), plain, ad)


def rotl(v, c):
    return ((v << c) & 0xFFFFFFFF) | (v >> (32 - c))


def hchacha20(key, nonce16):
    s = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    s += list(struct.unpack("<8I", key)) + list(struct.unpack("<4I", nonce16))

    def qr(a, b, c, d):
        s[a] = (s[a] + s[b]) & 0xFFFFFFFF
        s[d] = rotl(s[d] ^ s[a], 16)
        s[c] = (s[c] + s[d]) & 0xFFFFFFFF
        s[b] = rotl(s[b] ^ s[c], 12)
        s[a] = (s[a] + s[b]) & 0xFFFFFFFF
        s[d] = rotl(s[d] ^ s[a], 8)
        s[c] = (s[c] + s[d]) & 0xFFFFFFFF
        s[b] = rotl(s[b] ^ s[c], 7)

    for _ in range(10):
        qr(0, 4, 8, 12), qr(1, 5, 9, 13), qr(2, 6, 10, 14), qr(3, 7, 11, 15)
        qr(0, 5, 10, 15), qr(1, 6, 11, 12), qr(2, 7, 8, 13), qr(3, 4, 9, 14)
    return struct.pack("<8I", *(s[0:4] + s[12:16]))


def XAEAD(key, nonce24, plain, ad):
    sub = hchacha20(key, nonce24[:16])
    return ChaCha20Poly1305(sub).encrypt(b"\0" * 4 + nonce24[16:], plain, ad)


class Handshake:
    """Symmetric state of one IKpsk2 run, computed from both sides' secrets at once."""

    def __init__(self, prologue, s_i, s_r, e_i, e_r, psk):
        self.s_i, self.s_r, self.e_i, self.e_r, self.psk = s_i, s_r, e_i, e_r, psk
        self.C = HASH(CONSTRUCTION)
        self.H = HASH(self.C + prologue)
        self.H = HASH(self.H + pub(s_r))

    def mix_hash(self, data):
        self.H = HASH(self.H + data)

    def encrypt(self, key, plain):
        ct = AEAD(key, 0, plain, self.H)
        self.mix_hash(ct)
        return ct

    def message1(self, payload):
        epub = pub(self.e_i)
        # e
        self.mix_hash(epub)
        (self.C,) = KDF(1, self.C, epub)
        # es
        self.C, k = KDF(2, self.C, DH(self.e_i, pub(self.s_r)))
        # s
        enc_static = self.encrypt(k, pub(self.s_i))
        # ss
        self.C, k = KDF(2, self.C, DH(self.s_i, pub(self.s_r)))
        # {payload}
        enc_payload = self.encrypt(k, payload)
        return epub, enc_static, enc_payload

    def message2(self, payload):
        epub = pub(self.e_r)
        # e
        self.mix_hash(epub)
        (self.C,) = KDF(1, self.C, epub)
        # ee
        (self.C,) = KDF(1, self.C, DH(self.e_r, pub(self.e_i)))
        # se
        (self.C,) = KDF(1, self.C, DH(self.e_r, pub(self.s_i)))
        # psk
        self.C, tau, k = KDF(3, self.C, self.psk)
        self.mix_hash(tau)
        # {payload}
        return epub, self.encrypt(k, payload)

    def split(self):
        return KDF(2, self.C, b"")  # (initiator send, responder send)


def h(s):
    return bytes.fromhex(s)


def cacophony():
    hs = Handshake(h("4a6f686e2047616c74"),
                   h("e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1"),
                   h("4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893"),
                   h("893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a"),
                   h("bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b"),
                   h("54686973206973206d7920417573747269616e20706572737065637469766521"))
    msgs = [
        ("4c756477696720766f6e204d69736573",
         "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c7944001e21de9f98ddd8e2ad57527207feb5"
         "6253c9c94a9e496782ecfcb2a75fbcaf1b52948cc48daefe660c62119ab5000980c84831215f2441eba616548e832985"
         "464cf17e51ee93109008399a21f7e13f"),
        ("4d757272617920526f746862617264",
         "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843cb765f2caef0751b8f007572dab03222"
         "17755c0632f365717edbf34d33e87a"),
        ("462e20412e20486179656b", "8153ca9833bc3c1b91a7e66e5f4d4f5b59bf9e64c2f20d15f0bba7"),
        ("4361726c204d656e676572", "07af0c9c86e1b4e80f36b04ff7688d51141af3debd0332f0a705ef"),
        ("4a65616e2d426170746973746520536179",
         "6ab1467c0448cc78394494abaaf23afce0e234315d6e2624dcbfa8a21c1c4d073d"),
        ("457567656e2042f6686d20766f6e2042617765726b",
         "dfc346c0d2296ae6cf1acf6f12b8456a1dba228cf8d8b774aacf1c47fc53aa80ebc7a4c292"),
    ]
    assert pub(hs.s_r) == h("31e0303fd6418d2f8c0e78b91f22e8caed0fbe48656dcf4767e4834f701b8f62")
    assert b"".join(hs.message1(h(msgs[0][0]))) == h(msgs[0][1]), "cacophony message 1"
    assert b"".join(hs.message2(h(msgs[1][0]))) == h(msgs[1][1]), "cacophony message 2"
    t_i, t_r = hs.split()
    for n, (payload, ct) in enumerate(msgs[2:]):
        key = t_i if n % 2 == 0 else t_r
        assert AEAD(key, n // 2, h(payload), b"") == h(ct), "cacophony transport %d" % (n + 3)
    return hs.H


def tai64n(sec, nsec):
    return struct.pack(">QI", (1 << 62) + 10 + sec, nsec & ~((1 << 24) - 1))


def wireguard():
    v = {}
    s_i = bytes(range(0x01, 0x21))
    s_r = bytes(range(0x41, 0x61))
    e_i = bytes((0xA0 + 3 * i) & 0xFF for i in range(32))
    e_r = bytes((0x17 * i + 5) & 0xFF for i in range(32))
    psk = HASH(b"wgctl test vector preshared key")
    idx_i, idx_r = 0x1A2B3C4D, 0x9E8D7C6B
    wall_sec, wall_nsec = 1700000000, 123456789
    src_addr, src_port = bytes([192, 0, 2, 1]), 51820
    cookie_secret = HASH(b"wgctl cookie secret")
    cookie_nonce = HASH(b"wgctl cookie nonce")[:24]
    data_plain = b"wgctl python vector data packet!"

    hs = Handshake(IDENTIFIER, s_i, s_r, e_i, e_r, psk)
    ts = tai64n(wall_sec, wall_nsec)
    epub, enc_static, enc_ts = hs.message1(ts)
    init = struct.pack("<II", 1, idx_i) + epub + enc_static + enc_ts
    init += MAC(HASH(LABEL_MAC1 + pub(s_r)), init) + b"\0" * 16
    assert len(init) == 148

    epub, enc_nothing = hs.message2(b"")
    resp = struct.pack("<III", 2, idx_r, idx_i) + epub + enc_nothing
    resp += MAC(HASH(LABEL_MAC1 + pub(s_i)), resp) + b"\0" * 16
    assert len(resp) == 92

    t_i, _ = hs.split()
    data = struct.pack("<IIQ", 4, idx_r, 0) + AEAD(t_i, 0, data_plain, b"")

    cookie = MAC(cookie_secret, src_addr + struct.pack(">H", src_port))
    mac1 = init[116:132]
    reply = struct.pack("<II", 3, idx_i) + cookie_nonce
    reply += XAEAD(HASH(LABEL_COOKIE + pub(s_r)), cookie_nonce, cookie, mac1)
    assert len(reply) == 64
    mac2 = MAC(cookie, init[:132])

    v["init_static"], v["resp_static"] = s_i, s_r
    v["init_public"], v["resp_public"] = pub(s_i), pub(s_r)
    v["init_ephemeral"], v["resp_ephemeral"], v["psk"] = e_i, e_r, psk
    v["timestamp"], v["initiation"], v["response"] = ts, init, resp
    v["handshake_hash"], v["data_plain"], v["data"] = hs.H, data_plain, data
    v["src_addr"], v["cookie_secret"], v["cookie_nonce"] = src_addr, cookie_secret, cookie_nonce
    v["cookie"], v["cookie_reply"], v["initiation_mac2"] = cookie, reply, mac2
    ints = {"init_index": idx_i, "resp_index": idx_r, "wall_sec": wall_sec, "wall_nsec": wall_nsec,
            "src_port": src_port}
    return v, ints


def c_array(name, data):
    lines = ["static const uint8_t %s[%d] = {" % (name, len(data))]
    for i in range(0, len(data), 12):
        lines.append("\t" + " ".join("0x%02x," % b for b in data[i:i + 12]))
    lines.append("};")
    return "\n".join(lines)


def main():
    # draft-irtf-cfrg-xchacha section 2.2.1, so the hand-written HChaCha20 above is trusted.
    assert hchacha20(bytes(range(32)), h("000000090000004a0000000031415927")) == \
        h("82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc")
    caco_hash = cacophony()
    v, ints = wireguard()
    out = ["/* SPDX-License-Identifier: MIT */",
           "/* Generated by tests/vectors/noise/gen_wg_vector.py; do not edit. */",
           "#ifndef WGCTL_TESTS_WG_VECTOR_H", "#define WGCTL_TESTS_WG_VECTOR_H", "",
           "#include <stdint.h>", "",
           "/* Handshake hash of the cacophony Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s vector. */",
           c_array("cacophony_handshake_hash", caco_hash), ""]
    for name, value in ints.items():
        out.append("#define wg_vec_%s %dULL" % (name, value))
    out.append("")
    for name, value in v.items():
        out.append(c_array("wg_vec_" + name, value))
    out += ["", "#endif", ""]
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
