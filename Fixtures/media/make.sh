#!/bin/sh
# Regenerates the MPEG-TS fixtures in this directory. Made once with ffmpeg 5.1.9 (Debian 12) and committed;
# the tests read the committed files, they never run this script. See README.md for what each file is.
set -eu
cd "$(dirname "$0")"

common="-hide_banner -loglevel error -y -fflags +bitexact -flags +bitexact -threads 1"

# 1. H.264 test pattern, 320x240 at 25 fps, 3 s, video at 1.2 Mb/s (VBV-capped), constant 2 Mb/s mux rate.
ffmpeg $common -f lavfi -i testsrc=size=320x240:rate=25:duration=3 \
    -c:v libx264 -preset veryfast -tune zerolatency -pix_fmt yuv420p -g 25 \
    -b:v 1200k -maxrate 1200k -bufsize 600k -x264-params threads=1 \
    -f mpegts -muxrate 2000000 -pcr_period 20 -pat_period 0.1 -mpegts_service_id 1 \
    h264-testsrc-2mbps.ts

# 2. The same pattern at a second rate: 2.5 Mb/s video, constant 4 Mb/s mux rate, 2 s.
ffmpeg $common -f lavfi -i testsrc=size=320x240:rate=25:duration=2 \
    -c:v libx264 -preset veryfast -tune zerolatency -pix_fmt yuv420p -g 25 \
    -b:v 2500k -maxrate 2500k -bufsize 1250k -x264-params threads=1 \
    -f mpegts -muxrate 4000000 -pcr_period 20 -pat_period 0.1 -mpegts_service_id 1 \
    h264-testsrc-4mbps.ts

# 3. Audio only: 1 kHz sine, MPEG-1 Layer II at 128 kb/s, 48 kHz mono, 3 s, constant 256 kb/s mux rate.
ffmpeg $common -f lavfi -i sine=frequency=1000:sample_rate=48000:duration=3 \
    -c:a mp2 -b:a 128k -ac 1 \
    -f mpegts -muxrate 256000 -pcr_period 20 -pat_period 0.1 -mpegts_service_id 1 \
    sine-mp2-256kbps.ts

ls -l *.ts
