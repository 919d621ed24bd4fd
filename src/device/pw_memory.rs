// SPDX-License-Identifier: MPL-2.0
//! Frames from `pipewiresrc` that outlive their stream, copied only when they would not.
//!
//! `pipewiresrc` 0.3.65 wraps each PipeWire buffer without copying it. MemFd and DmaBuf memory
//! is wrapped with a dup of its fd, so a frame a sink still holds stays valid after the node
//! goes away. MemPtr memory — what a producer gets when PipeWire allocates the buffers itself,
//! i.e. any `pw_stream` producer without `PW_STREAM_FLAG_ALLOC_BUFFERS` — is a pointer into a
//! mapping that PipeWire frees when the stream's buffers are cleared (unplug, stop): reading a
//! held frame then reads unmapped memory.
//!
//! Whether a held frame can change under its holder depends on the producer, not the memory. A
//! producer that is a PipeWire client (a virtual camera, a compositor's screen cast) gets a
//! buffer back only when the consumer releases it. A node the daemon hosts on a driver (SPA's
//! v4l2 and libcamera sources, ALSA) re-queues the buffer it handed out one cycle later
//! (v4l2: `VIDIOC_QBUF` as soon as the tee reports it consumed), so a frame held longer
//! (a sink's last frame, a queue) would be overwritten by a later one. Such nodes keep
//! `always-copy` ([`driver_node`]); client producers get the check below.
//!
//! Which kind a stream gets is only known once buffers flow, so the source starts without
//! `always-copy` and a probe looks at every buffer: fd-backed ones pass untouched. At the first
//! one that is not, the probe drops it and turns `always-copy` on, after which `pipewiresrc`
//! copies each frame itself while it holds its stream lock, so that an unplug cannot free the
//! memory in the middle of a copy. Copying that first buffer here instead, outside the lock,
//! would race with an unplug; the price of dropping it is one frame, once, for producers whose
//! buffers PipeWire allocates.

use gst::glib;
use gst::prelude::*;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use super::CAT;

/// Makes `source` (a `pipewiresrc`) hand out only frames that outlive its stream, copying only
/// those whose memory would not.
pub fn copy_unless_fd_backed(source: &gst::Element) {
    // Every pipewiresrc has it; without it, it copies as it always did.
    if source
        .find_property("always-copy")
        .is_none_or(|p| p.value_type() != bool::static_type())
    {
        return;
    }
    source.set_property("always-copy", false);
    let Some(pad) = source.static_pad("src") else {
        return;
    };
    let element = source.downgrade();
    // Set once always-copy is on: the copies are plain memory, and pass.
    let copying = AtomicBool::new(false);
    pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
        if copying.load(Ordering::Relaxed) || info.buffer().is_none_or(|b| fd_backed(b)) {
            return gst::PadProbeReturn::Ok;
        }
        copying.store(true, Ordering::Relaxed);
        if let Some(element) = element.upgrade() {
            gst::debug!(
                CAT,
                obj = element,
                "frames in PipeWire's own memory (MemPtr): always-copy from the next one on"
            );
            element.set_property("always-copy", true);
        }
        gst::PadProbeReturn::Drop
    });
}

/// Whether `device` is a PipeWire node the daemon hosts on a driver (v4l2, libcamera, ALSA,
/// bluez: they set `device.api`, and their factory is an `api.*` one), whose buffers go back to
/// the driver while a consumer may still hold them.
pub fn driver_node(device: &gst::Device) -> bool {
    device.properties().is_some_and(|p| {
        p.has_field("device.api")
            || p.get::<String>("factory.name")
                .is_ok_and(|f| f.starts_with("api."))
    })
}

/// Whether every memory of `buffer` holds an fd of its own (fd and dma-buf memory).
pub fn fd_backed(buffer: &gst::BufferRef) -> bool {
    buffer.n_memory() > 0 && buffer.iter_memories().all(is_fd_memory)
}

fn is_fd_memory(mem: &gst::MemoryRef) -> bool {
    // gst_is_fd_memory() without linking gstreamer-allocators: memories of GstFdAllocator and
    // its subclasses (GstDmaBufAllocator); a shared sub-memory keeps its parent's allocator.
    // The type exists once a library that uses it is loaded (pipewiresrc links it).
    static FD_ALLOCATOR: OnceLock<glib::Type> = OnceLock::new();
    let fd = match FD_ALLOCATOR.get() {
        Some(t) => *t,
        None => match glib::Type::from_name("GstFdAllocator") {
            Some(t) => *FD_ALLOCATOR.get_or_init(|| t),
            None => return false,
        },
    };
    mem.allocator().is_some_and(|a| a.type_().is_a(fd))
}
