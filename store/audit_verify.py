"""Verify a rectiflow audit bundle away from the system (for the discipline inspection group).

    python3 verify.py BUNDLE_FOLDER --key PUBLIC_KEY_HEX

Needs Python 3.11+ and the `cryptography` package, nothing of rectiflow's: every bundle
carries this file as `verify.py`. The public key comes from the bureau out of band
(`rectiflow audit key`), never from the bundle itself, so a forged bundle cannot vouch for
itself. It checks, and says the first thing that fails:

1. the Ed25519 signature over the bundle (its events and its manifest);
2. every event's hash over its content, recomputed by the rule the ledger uses;
3. the chain: each event names the previous event's hash, the numbers run without a gap,
   the last is the chain's head as the manifest records it.

Exit 0: verified; 1: the bundle fails (tampered, incomplete, or signed by another key);
2: it cannot be read.
"""

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
DOMAIN = b"rectiflow audit bundle v1\n"  # what the signature covers starts with this
FILES = ("events.jsonl", "manifest.json")


def event_digest(seq: int, at: str, finding_id: int | None, actor: str, kind: str, data: dict[str, Any],
                 prev_hash: str) -> str:
    """An event's hash: SHA-256 over its fields as compact JSON (keys sorted, UTF-8), `at` in
    ISO 8601 with microseconds, UTC. The ledger hashes by the same rule (models/audit/chain.py;
    a test keeps the two agreeing)."""
    body = json.dumps([seq, at, finding_id, actor, kind, data, prev_hash],
                      ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def signed_message(events: bytes, manifest: bytes) -> bytes:
    """What the bundle's signature covers: the digests of its events and its manifest."""
    return DOMAIN + hashlib.sha256(events).hexdigest().encode() + b"\n" + hashlib.sha256(manifest).hexdigest().encode()


def verify(folder: Path, public_key_hex: str) -> tuple[int, str | None]:
    """(events verified, the first problem or None)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    events, manifest = [(folder / name).read_bytes() for name in FILES]
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex.strip()))
        key.verify(bytes.fromhex((folder / "signature").read_text().strip()), signed_message(events, manifest))
    except (InvalidSignature, ValueError):
        return 0, "the signature does not match this key: the bundle was changed, or signed by another key"
    head = json.loads(manifest)
    prev, expected, checked = head["prev_hash"], head["first_seq"], 0
    for number, line in enumerate(events.decode().splitlines(), start=1):
        ev = json.loads(line)
        if ev["seq"] != expected or ev["prev_hash"] != prev:
            return checked, f"line {number} (event {ev['seq']}): the chain is broken before it"
        if event_digest(ev["seq"], ev["at"], ev["finding_id"], ev["actor"], ev["kind"], ev["data"],
                        ev["prev_hash"]) != ev["hash"]:
            return checked, f"line {number} (event {ev['seq']}): its content does not match its hash"
        prev, expected, checked = ev["hash"], expected + 1, checked + 1
    if checked != head["events"] or prev != head["last_hash"]:
        return checked, f"the bundle ends at event {expected - 1}; the manifest says {head['last_seq']}"
    return checked, None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a rectiflow audit bundle.")
    parser.add_argument("bundle", type=Path, help="the bundle's folder")
    parser.add_argument("--key", required=True, help="the bureau's public key (hex), from `rectiflow audit key`")
    args = parser.parse_args(argv)
    try:
        checked, problem = verify(args.bundle, args.key)
    except (OSError, ValueError, KeyError) as exc:
        print(f"cannot read the bundle {args.bundle}: {exc}", file=sys.stderr)
        return 2
    if problem is not None:
        print(f"NOT VERIFIED: {problem} ({checked} events verified before it)")
        return 1
    print(f"verified: {checked} events, signed by {args.key.strip()[:16]}…, chain intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
