"use strict";
// Pure builders of the lab's Docker and shell scripts, every dynamic value quoted.
/**
 * Pure builders of the lab's Docker and shell scripts. Every dynamic value is
 * passed through `quote`, and secrets are never put on a command line: they are named with `-e NAME`
 * and taken from the script's environment.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.subnetSearchStart = exports.LAB_SUBNET_POOL = exports.sh = exports.shellWord = void 0;
exports.subnetPickScript = subnetPickScript;
exports.subnetPickAwk = subnetPickAwk;
exports.memberAddress = memberAddress;
exports.imageBuildScript = imageBuildScript;
/** Words that need no quoting in bash (no `=`: a first word with it would be an assignment). */
const BARE_WORD = /^[A-Za-z0-9_\/.,:@%+-]+$/;
/**
 * POSIX single-quoting, hand-rolled because shell-quote switches to double quotes when a word holds a
 * single quote and then escapes `!` as `\!`, which bash keeps literally (it turned `$!` into `$\!`).
 */
const shellWord = (word) => (BARE_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);
exports.shellWord = shellWord;
const sh = (words) => words.map((w) => (0, exports.shellWord)(String(w))).join(" ");
exports.sh = sh;
/** Where lab networks take their /24: 10.213.<x>.0/24, x chosen from the network's name, then the next free. */
exports.LAB_SUBNET_POOL = "10.213";
/** The /24 a lab network starts its search at (a hash of its name), so labs rarely collide. */
const subnetSearchStart = (name) => [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 256, 7);
exports.subnetSearchStart = subnetSearchStart;
/**
 * Script (a local.Command's create) that prints the first 10.213.x.0/24 from the name's hash on that
 * overlaps no IPv4 subnet of an existing Docker network. The docker.Network is then created with it:
 * members get fixed addresses below .128 (memberHostNumber), Docker's own allocation for other
 * containers (monitoring) is confined to .128/25, so it can never take a stopped member's address.
 */
function subnetPickScript(name) {
    return [
        "set -eu",
        `ids=$(docker network ls -q)`,
        `{ [ -z "$ids" ] || docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}' $ids; } | awk ${(0, exports.shellWord)(subnetPickAwk(name))}`,
    ].join("\n");
}
/** The picker's awk program: reads subnets (words a.b.c.d/n), prints the first free candidate /24. */
function subnetPickAwk(name) {
    return [
        "function ip(a, p) { split(a, p, \".\"); return ((p[1] * 256 + p[2]) * 256 + p[3]) * 256 + p[4] }",
        "{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+\\/[0-9]+$/) { split($i, c, \"/\"); lo[++n] = ip(c[1]); hi[n] = lo[n] + 2 ^ (32 - c[2]) - 1 } }",
        `END { for (k = 0; k < 256; k++) { x = (${(0, exports.subnetSearchStart)(name)} + k) % 256; s = ip("${exports.LAB_SUBNET_POOL}." x ".0"); e = s + 255; free = 1;`,
        "  for (j = 1; j <= n; j++) if (s <= hi[j] && lo[j] <= e) free = 0;",
        `  if (free) { print "${exports.LAB_SUBNET_POOL}." x ".0/24"; exit 0 } } print "no free ${exports.LAB_SUBNET_POOL}.x.0/24: every candidate overlaps a Docker network" > "/dev/stderr"; exit 1 }`,
    ].join("\n");
}
/** The member's fixed address on the lab's /24 (host number from memberHostNumber). */
function memberAddress(subnet, hostNumber) {
    const m = /^(\d+\.\d+\.\d+)\.0\/24$/.exec(subnet);
    if (!m)
        throw new Error(`subnet ${JSON.stringify(subnet)}: not the /24 pgchaos creates (a network from before fixed member addresses: run pulumi destroy, then up)`);
    return `${m[1]}.${hostNumber}`;
}
/** Builds an image only when the tag (a hash of its inputs) is not already present. */
function imageBuildScript(tag, contextDir, buildArgs = {}) {
    const args = Object.entries(buildArgs).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
    return [
        `if ! docker image inspect ${(0, exports.sh)([tag])} >/dev/null 2>&1; then`,
        `  ${(0, exports.sh)(["docker", "build", "-q", ...args, "-t", tag, contextDir])} >/dev/null`,
        `fi`,
        `echo ${(0, exports.sh)([tag])}`,
    ].join("\n");
}
