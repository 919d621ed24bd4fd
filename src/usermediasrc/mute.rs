// Copyright (C) 2026 The usermediasrc authors
//
// This Source Code Form is subject to the terms of the Mozilla Public License, v2.0.
// If a copy of the MPL was not distributed with this file, You can obtain one at
// <https://mozilla.org/MPL/2.0/>.
//
// SPDX-License-Identifier: MPL-2.0

//! `track.enabled = false`: black frames and silence with the caps and timing of the real ones.
//!
//! A buffer probe on the track's ghost pad swaps each buffer for one of the same size whose
//! content is black (video, for every raw format GStreamer can pack: limited-range YUV black is
//! Y=16 U=V=128, full range Y=0, RGB is 0 with opaque alpha) or silence (audio, the format's
//! silence value), keeping PTS, DTS, duration, offsets and flags. The black frame is built once
//! per caps and shared (read-only memory) by every replacement, so a muted video track costs one
//! small allocation per frame.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use gst::glib::translate::IntoGlib;
use gst_video::prelude::*;

use crate::engine::Kind;

/// What one track's probe needs: whether it is enabled and the last replacement content.
pub(super) struct Mute {
    kind: Kind,
    enabled: AtomicBool,
    /// Caps and buffer the last replacement was made from.
    cache: Mutex<Option<(gst::Caps, gst::Buffer)>>,
}

impl Mute {
    pub fn new(kind: Kind, enabled: bool) -> Self {
        Mute {
            kind,
            enabled: AtomicBool::new(enabled),
            cache: Mutex::new(None),
        }
    }

    pub fn set_enabled(&self, enabled: bool) {
        self.enabled.store(enabled, Ordering::SeqCst);
    }

    pub fn enabled(&self) -> bool {
        self.enabled.load(Ordering::SeqCst)
    }

    /// The replacement for `buffer` while disabled; `None` when enabled. Never the captured
    /// content: where no black frame or silence can be made for the caps (no caps yet, a padded
    /// buffer), the replacement is zeros of the same size.
    pub fn replace(&self, caps: Option<gst::Caps>, buffer: &gst::BufferRef) -> Option<gst::Buffer> {
        if self.enabled() {
            return None;
        }
        self.content(caps, buffer)
            .or_else(|| gst::Buffer::from_mut_slice(vec![0u8; buffer.size()]).into())
            .map(|content| with_timing(content, buffer))
    }

    /// Black or silence for `caps`, `buffer.size()` bytes long, shared between calls.
    fn content(&self, caps: Option<gst::Caps>, buffer: &gst::BufferRef) -> Option<gst::Buffer> {
        let caps = caps?;
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = match cache.as_ref() {
            Some((c, b)) => c != &caps || b.size() != buffer.size(),
            None => true,
        };
        if fresh {
            let content = match self.kind {
                Kind::Video => black_frame(&caps, buffer.size()),
                Kind::Audio => silence(&caps, buffer.size()),
            }?;
            *cache = Some((caps, content));
        }
        cache.as_ref().map(|(_, content)| content.clone())
    }
}

/// `content` (its memory shared) with the timing, offsets and flags of `buffer`.
fn with_timing(content: gst::Buffer, buffer: &gst::BufferRef) -> gst::Buffer {
    let mut out = content.copy();
    if let Some(o) = out.get_mut() {
        o.set_pts(buffer.pts());
        o.set_dts(buffer.dts());
        o.set_duration(buffer.duration());
        o.set_offset(buffer.offset());
        o.set_offset_end(buffer.offset_end());
        o.set_flags(buffer.flags());
    }
    out
}

/// A black frame for raw video `caps`, `size` bytes long (the frame size of the caps' default
/// layout; buffers of another size, e.g. padded ones, are not replaced).
pub(super) fn black_frame(caps: &gst::Caps, size: usize) -> Option<gst::Buffer> {
    let info = gst_video::VideoInfo::from_caps(caps).ok()?;
    if info.size() != size {
        return None;
    }
    let buffer = gst::Buffer::with_size(size).ok()?;
    let mut frame = gst_video::VideoFrame::from_buffer_writable(buffer, &info).ok()?;
    if !pack_black(&mut frame, &info) {
        // No packer for this format: zeros (black for RGB and gray).
        for plane in 0..frame.n_planes() {
            if let Ok(data) = frame.plane_data_mut(plane) {
                data.fill(0);
            }
        }
    }
    Some(frame.into_buffer())
}

/// Packs black lines into every plane with the format's own pack function.
fn pack_black(
    frame: &mut gst_video::VideoFrame<gst_video::video_frame::Writable>,
    info: &gst_video::VideoInfo,
) -> bool {
    let finfo = info.format_info();
    if finfo.is_tiled() || finfo.has_palette() {
        return false;
    }
    let unpack_format = finfo.unpack_format();
    let full_range = info.colorimetry().range() == gst_video::VideoColorRange::Range0_255;
    let yuv = finfo.is_yuv() || finfo.is_gray();
    // One unpacked pixel (A, Y/R, U/G, V/B).
    let (pixel, bytes): ([u16; 4], usize) = match unpack_format {
        gst_video::VideoFormat::Ayuv => {
            let y = if full_range { 0 } else { 16 };
            ([255, y, 128, 128], 1)
        }
        gst_video::VideoFormat::Argb => ([255, 0, 0, 0], 1),
        gst_video::VideoFormat::Ayuv64 => {
            let y = if full_range { 0 } else { 16 << 8 };
            ([0xffff, y, 128 << 8, 128 << 8], 2)
        }
        gst_video::VideoFormat::Argb64 => ([0xffff, 0, 0, 0], 2),
        _ => return false,
    };
    if yuv
        != matches!(
            unpack_format,
            gst_video::VideoFormat::Ayuv | gst_video::VideoFormat::Ayuv64
        )
    {
        return false;
    }
    let width = info.width() as usize;
    let height = info.height() as i32;
    let lines = finfo.pack_lines().max(1) as usize;
    let mut line = Vec::with_capacity(width * lines * 4 * bytes);
    for _ in 0..width * lines {
        for v in pixel {
            if bytes == 1 {
                line.push(v as u8);
            } else {
                line.extend_from_slice(&v.to_ne_bytes());
            }
        }
    }
    // SAFETY: the format info is GStreamer's static table entry for a valid format; `frame` is
    // a mapped writable frame of `info`, so its data pointers and strides describe planes large
    // enough for `height` lines of `width` pixels, which is what the pack function writes; `line`
    // holds `pack_lines` lines of unpacked pixels.
    unsafe {
        let raw_info = gst_video::ffi::gst_video_format_get_info(info.format().into_glib());
        let Some(pack) = raw_info.as_ref().and_then(|i| i.pack_func) else {
            return false;
        };
        let raw = frame.as_mut_ptr();
        let mut data = (*raw).data;
        let strides = (*raw).info.stride;
        let mut y = 0;
        while y < height {
            pack(
                raw_info,
                0,
                line.as_mut_ptr() as glib::ffi::gpointer,
                (width * 4 * bytes) as i32,
                data.as_mut_ptr(),
                strides.as_ptr(),
                info.chroma_site().into_glib(),
                y,
                width as i32,
            );
            y += lines as i32;
        }
    }
    true
}

/// Silence for raw audio `caps`, `size` bytes long.
pub(super) fn silence(caps: &gst::Caps, size: usize) -> Option<gst::Buffer> {
    let info = gst_audio::AudioInfo::from_caps(caps).ok()?;
    let mut buffer = gst::Buffer::with_size(size).ok()?;
    {
        let b = buffer.get_mut()?;
        let mut map = b.map_writable().ok()?;
        let finfo = info.format_info();
        let width = finfo.width() as usize;
        if width == 0 || !width.is_multiple_of(8) {
            map.as_mut_slice().fill(0);
        } else {
            let whole = map.len() / (width / 8) * (width / 8);
            finfo.fill_silence(&mut map.as_mut_slice()[..whole]);
        }
    }
    Some(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn plane(buf: &gst::Buffer, caps: &gst::Caps, p: u32) -> Vec<u8> {
        let info = gst_video::VideoInfo::from_caps(caps).unwrap();
        let frame =
            gst_video::VideoFrameRef::from_buffer_ref_readable(buf.as_ref(), &info).unwrap();
        frame.plane_data(p).unwrap().to_vec()
    }

    fn caps(s: &str) -> gst::Caps {
        gst::init().unwrap();
        gst::Caps::from_str(s).unwrap()
    }

    #[test]
    fn black_in_planar_and_packed_yuv_and_rgb() {
        let c = caps("video/x-raw,format=I420,width=8,height=4,framerate=30/1");
        let size = gst_video::VideoInfo::from_caps(&c).unwrap().size();
        let b = black_frame(&c, size).unwrap();
        assert!(plane(&b, &c, 0).iter().all(|&v| v == 16));
        assert!(plane(&b, &c, 1).iter().all(|&v| v == 128));
        assert!(plane(&b, &c, 2).iter().all(|&v| v == 128));

        let c = caps("video/x-raw,format=YUY2,width=4,height=2,framerate=30/1");
        let b = black_frame(&c, 16).unwrap();
        assert_eq!(plane(&b, &c, 0)[..8], [16, 128, 16, 128, 16, 128, 16, 128]);

        let c = caps("video/x-raw,format=NV12,width=4,height=4,framerate=30/1");
        let b = black_frame(&c, 24).unwrap();
        assert!(plane(&b, &c, 0).iter().all(|&v| v == 16));
        assert!(plane(&b, &c, 1).iter().all(|&v| v == 128));

        let c = caps("video/x-raw,format=BGRA,width=2,height=2,framerate=30/1");
        let b = black_frame(&c, 16).unwrap();
        assert_eq!(plane(&b, &c, 0)[..8], [0, 0, 0, 255, 0, 0, 0, 255]);

        let c = caps(
            "video/x-raw,format=I420,width=8,height=2,framerate=30/1,colorimetry=(string)1:4:0:0",
        );
        let b = black_frame(&c, 24).unwrap();
        assert!(plane(&b, &c, 0).iter().all(|&v| v == 0));
        assert!(plane(&b, &c, 1).iter().all(|&v| v == 128));
    }

    #[test]
    fn silence_per_format() {
        let c = caps("audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=1");
        let b = silence(&c, 8).unwrap();
        assert!(b.map_readable().unwrap().iter().all(|&v| v == 0));
        let c = caps("audio/x-raw,format=U8,layout=interleaved,rate=8000,channels=1");
        let b = silence(&c, 4).unwrap();
        assert!(b.map_readable().unwrap().iter().all(|&v| v == 0x80));
    }

    #[test]
    fn replacement_keeps_timing() {
        let c = caps("video/x-raw,format=YUY2,width=4,height=2,framerate=30/1");
        let mute = Mute::new(Kind::Video, false);
        let mut input = gst::Buffer::from_slice(vec![200u8; 16]);
        {
            let b = input.get_mut().unwrap();
            b.set_pts(gst::ClockTime::from_mseconds(40));
            b.set_duration(gst::ClockTime::from_mseconds(33));
            b.set_flags(gst::BufferFlags::DISCONT);
        }
        let out = mute.replace(Some(c.clone()), &input).unwrap();
        assert_eq!(out.pts(), input.pts());
        assert_eq!(out.duration(), input.duration());
        assert_eq!(out.flags(), gst::BufferFlags::DISCONT);
        assert_eq!(out.size(), 16);
        assert_eq!(plane(&out, &c, 0)[..2], [16, 128]);
        mute.set_enabled(true);
        assert!(mute.replace(Some(c), &input).is_none());
    }

    /// A padded buffer (larger than the caps' frame) or one before caps never passes through:
    /// zeros of its size replace it.
    #[test]
    fn what_cannot_be_blacked_out_is_zeroed() {
        let c = caps("video/x-raw,format=YUY2,width=4,height=2,framerate=30/1");
        let mute = Mute::new(Kind::Video, false);
        let mut padded = gst::Buffer::from_slice(vec![200u8; 24]);
        padded
            .get_mut()
            .unwrap()
            .set_pts(gst::ClockTime::from_mseconds(7));
        for caps in [Some(c), None] {
            let out = mute.replace(caps, &padded).unwrap();
            assert_eq!(out.size(), 24);
            assert_eq!(out.pts(), padded.pts());
            assert!(out.map_readable().unwrap().iter().all(|&b| b == 0));
        }
    }
}
