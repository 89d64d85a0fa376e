// The MediaStreams module: MPEG-TS, RTP, stream sources and set-top boxes.
