#!/usr/bin/env bash
# Re-render the synthetic sample clips and their ground truth (needs gaitlab[synth]).
# Output is deterministic for a given pybullet / x264 build (seeded variation).
# --cadence-scale 1.1: ~165 steps/min, clearly inside the normal cadence band.
set -euo pipefail
cd "$(dirname "$0")"
SYNTH=(gaitlab synth --fps 60 --duration-s 8 --width 960 --height 540 --crf 26 --cadence-scale 1.1)

"${SYNTH[@]}" --preset normal                --view side-left  --seed 1 --out synth_side_normal.mp4
"${SYNTH[@]}" --preset normal                --view rear       --seed 2 --out synth_rear_normal.mp4
"${SYNTH[@]}" --preset back_arch             --view side-left  --seed 3 --out synth_side_back_arch.mp4
"${SYNTH[@]}" --preset pelvic_drop           --view rear       --seed 4 --out synth_rear_pelvic_drop.mp4
"${SYNTH[@]}" --preset limited_hip_extension --view side-right --seed 5 --out synth_side_limited_hip_extension.mp4
