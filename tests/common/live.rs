// SPDX-License-Identifier: MPL-2.0
//! A playing usermediasrc and what it was seen doing (caps, buffers, EOS per pad; bus
//! messages), for the live-track tests.

use gst::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct Buf {
    pub pts: Option<gst::ClockTime>,
    pub size: usize,
    /// Bytes at even / odd positions when each is one value (black YUY2: 16 / 128).
    pub uniform: Option<(u8, u8)>,
    /// Index into the pad's caps history.
    pub caps: usize,
}

#[derive(Default)]
pub struct Rec {
    pub pads: Vec<String>,
    pub pads_removed: Vec<String>,
    pub caps: HashMap<String, Vec<gst::Caps>>,
    /// When each caps event arrived.
    pub caps_at: HashMap<String, Vec<Instant>>,
    pub buffers: HashMap<String, Vec<Buf>>,
    pub eos: HashMap<String, Instant>,
    /// Bus messages of interest with their arrival time.
    pub messages: Vec<(Instant, gst::Message)>,
    pub settings_notifies: usize,
}

pub struct Live {
    pub pipeline: gst::Pipeline,
    pub src: gst::Element,
    pub rec: Arc<(Mutex<Rec>, Condvar)>,
    /// Every element ever added inside usermediasrc (deep), to find leaks.
    pub created: Arc<Mutex<Vec<glib::WeakRef<gst::Element>>>>,
}

pub fn uniform(data: &[u8]) -> Option<(u8, u8)> {
    let (a, b) = (*data.first()?, *data.get(1)?);
    data.chunks_exact(2)
        .all(|c| c[0] == a && c[1] == b)
        .then_some((a, b))
}

impl Live {
    /// Plays a usermediasrc (GStreamer initialised by the caller) into fakesinks.
    pub fn start(constraints: &str, configure: impl FnOnce(&gst::Element), sync: bool) -> Live {
        Live::start_factory("usermediasrc", constraints, configure, sync)
    }

    /// [`Live::start`] for an element of `factory` (`usermediasrc`, `displaymediasrc`).
    pub fn start_factory(
        factory: &str,
        constraints: &str,
        configure: impl FnOnce(&gst::Element),
        sync: bool,
    ) -> Live {
        let pipeline = gst::Pipeline::new();
        let src = gst::ElementFactory::make(factory)
            .property("constraints", constraints)
            .build()
            .unwrap();
        configure(&src);
        let rec: Arc<(Mutex<Rec>, Condvar)> = Arc::default();
        let created: Arc<Mutex<Vec<glib::WeakRef<gst::Element>>>> = Arc::default();
        {
            let created = created.clone();
            src.downcast_ref::<gst::Bin>()
                .unwrap()
                .connect_deep_element_added(move |_, _, e| {
                    created.lock().unwrap().push(e.downgrade());
                });
        }
        {
            let rec = rec.clone();
            src.connect_notify(Some("settings"), move |_, _| {
                rec.0.lock().unwrap().settings_notifies += 1;
                rec.1.notify_all();
            });
        }
        pipeline.add(&src).unwrap();
        {
            let rec = rec.clone();
            src.connect_pad_removed(move |_, pad| {
                rec.0
                    .lock()
                    .unwrap()
                    .pads_removed
                    .push(pad.name().to_string());
            });
        }
        {
            let rec = rec.clone();
            let sink = format!("fakesink sync={sync} async=false");
            super::link_new_pads(&pipeline, &src, &sink, move |pad, sink| {
                let name = pad.name().to_string();
                rec.0.lock().unwrap().pads.push(name.clone());
                let rec = rec.clone();
                // On the sink pad: what downstream really receives (after usermediasrc's own
                // probes on its pad).
                sink.static_pad("sink").unwrap().add_probe(
                    gst::PadProbeType::BUFFER | gst::PadProbeType::EVENT_DOWNSTREAM,
                    move |_, info| {
                        let (lock, cond) = &*rec;
                        let mut r = lock.lock().unwrap();
                        match &info.data {
                            Some(gst::PadProbeData::Buffer(b)) => {
                                let map = b.map_readable().unwrap();
                                let caps = r.caps.get(&name).map_or(0, |c| c.len().max(1) - 1);
                                let buf = Buf {
                                    pts: b.pts(),
                                    size: b.size(),
                                    uniform: uniform(&map),
                                    caps,
                                };
                                r.buffers.entry(name.clone()).or_default().push(buf);
                            }
                            Some(gst::PadProbeData::Event(ev)) => match ev.view() {
                                gst::EventView::Caps(c) => {
                                    r.caps.entry(name.clone()).or_default().push(c.caps_owned());
                                    r.caps_at
                                        .entry(name.clone())
                                        .or_default()
                                        .push(Instant::now());
                                }
                                gst::EventView::Eos(_) => {
                                    r.eos.insert(name.clone(), Instant::now());
                                }
                                _ => (),
                            },
                            _ => (),
                        }
                        cond.notify_all();
                        gst::PadProbeReturn::Ok
                    },
                );
            });
        }
        {
            let rec = rec.clone();
            pipeline.bus().unwrap().set_sync_handler(move |_, msg| {
                use gst::MessageView::*;
                if matches!(
                    msg.view(),
                    Element(_) | Warning(_) | Error(_) | Eos(_) | Latency(_)
                ) {
                    rec.0
                        .lock()
                        .unwrap()
                        .messages
                        .push((Instant::now(), msg.clone()));
                    rec.1.notify_all();
                }
                gst::BusSyncReply::Drop
            });
        }
        pipeline.set_state(gst::State::Playing).unwrap();
        Live {
            pipeline,
            src,
            rec,
            created,
        }
    }

    /// Waits until `f` holds, at most `timeout`.
    pub fn wait(&self, timeout: Duration, f: impl Fn(&Rec) -> bool) -> bool {
        let (lock, cond) = &*self.rec;
        let deadline = Instant::now() + timeout;
        let mut r = lock.lock().unwrap();
        while !f(&r) {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            r = cond.wait_timeout(r, deadline - now).unwrap().0;
        }
        true
    }

    pub fn with<T>(&self, f: impl FnOnce(&Rec) -> T) -> T {
        f(&self.rec.0.lock().unwrap())
    }

    pub fn count(&self, pad: &str) -> usize {
        self.with(|r| r.buffers.get(pad).map_or(0, Vec::len))
    }

    /// Waits for `n` more buffers on `pad` and returns them.
    pub fn more(&self, pad: &str, n: usize) -> Vec<Buf> {
        let from = self.count(pad);
        assert!(
            self.wait(Duration::from_secs(10), |r| r
                .buffers
                .get(pad)
                .is_some_and(|b| b.len() >= from + n)),
            "{pad}: no {n} more buffers after {from}"
        );
        self.with(|r| r.buffers[pad][from..].to_vec())
    }

    /// Waits until `pad`'s caps satisfy `f`, then returns `n` buffers delivered with them.
    pub fn buffers_with_caps(
        &self,
        pad: &str,
        n: usize,
        f: impl Fn(&gst::StructureRef) -> bool,
    ) -> (gst::Caps, Vec<Buf>) {
        let ok = |r: &Rec| {
            r.caps
                .get(pad)
                .and_then(|c| c.last())
                .and_then(|c| c.structure(0))
                .is_some_and(&f)
        };
        assert!(
            self.wait(Duration::from_secs(10), ok),
            "{pad}: caps never matched; history {:?}",
            self.with(|r| r.caps.get(pad).cloned())
        );
        let caps_index = self.with(|r| r.caps[pad].len() - 1);
        let bufs: Vec<Buf> = loop {
            let bufs = self.more(pad, n);
            let matching: Vec<Buf> = bufs.into_iter().filter(|b| b.caps == caps_index).collect();
            if matching.len() >= n.min(1) {
                break matching;
            }
        };
        (self.with(|r| r.caps[pad][caps_index].clone()), bufs)
    }

    pub fn settings(&self) -> serde_json::Value {
        serde_json::from_str(&self.src.property::<String>("settings")).unwrap()
    }

    /// Element messages named `name`, in order.
    pub fn element_messages(&self, name: &str) -> Vec<gst::Structure> {
        self.with(|r| {
            r.messages
                .iter()
                .filter_map(|(_, m)| match m.view() {
                    gst::MessageView::Element(e) => e
                        .structure()
                        .filter(|s| s.name() == name)
                        .map(|s| s.to_owned()),
                    _ => None,
                })
                .collect()
        })
    }

    /// Fails the test if an error with `usermedia-error` details was posted.
    pub fn assert_no_problems(&self) {
        let problems = self.problems(false);
        assert!(problems.is_empty(), "{problems:?}");
    }

    /// Checks that `ended` (a `usermedia-track-ended` that arrived at `ended_at`) ends the video
    /// track of device `id` because the device went away, and that EOS followed on `video_0`
    /// within 2 s.
    pub fn assert_unplug_ended_video(
        &self,
        ended: &gst::StructureRef,
        ended_at: Instant,
        id: &str,
    ) {
        assert_eq!(str_field(ended, "kind"), "videoinput");
        assert_eq!(str_field(ended, "deviceId"), id);
        assert_eq!(str_field(ended, "reason"), "device-removed");
        assert!(
            self.wait(Duration::from_secs(2), |r| r.eos.contains_key("video_0")),
            "EOS on video_0"
        );
        let eos_at = self.with(|r| r.eos["video_0"]);
        assert!(eos_at >= ended_at, "EOS came before track-ended");
    }

    pub fn wait_element_message(
        &self,
        name: &str,
        timeout: Duration,
        f: impl Fn(&gst::StructureRef) -> bool,
    ) -> Option<(Instant, gst::Structure)> {
        let find = |r: &Rec| {
            r.messages.iter().find_map(|(t, m)| match m.view() {
                gst::MessageView::Element(e) => e
                    .structure()
                    .filter(|s| s.name() == name && f(s))
                    .map(|s| (*t, s.to_owned())),
                _ => None,
            })
        };
        self.wait(timeout, |r| find(r).is_some());
        self.with(find)
    }

    /// usermedia-error details of the warnings (or errors) posted so far.
    pub fn problems(&self, warnings: bool) -> Vec<gst::Structure> {
        self.with(|r| {
            r.messages
                .iter()
                .filter_map(|(_, m)| match m.view() {
                    gst::MessageView::Warning(w) if warnings => w.details().map(|d| d.to_owned()),
                    gst::MessageView::Error(e) if !warnings => e
                        .details()
                        .map(|d| d.to_owned())
                        .or_else(|| Some(gst::Structure::new_empty("no-details"))),
                    _ => None,
                })
                .collect()
        })
    }

    pub fn child(&self, name: &str) -> Option<gst::Element> {
        self.src.downcast_ref::<gst::Bin>().unwrap().by_name(name)
    }

    /// Sets `constraints` and returns how long the call took.
    pub fn apply(&self, constraints: &str) -> Duration {
        let t = Instant::now();
        self.src.set_property("constraints", constraints);
        t.elapsed()
    }

    pub fn stop(self) -> Vec<glib::WeakRef<gst::Element>> {
        self.pipeline.set_state(gst::State::Null).unwrap();
        self.created.lock().unwrap().clone()
    }
}

pub fn int(s: &gst::StructureRef, f: &str) -> i32 {
    s.get::<i32>(f)
        .unwrap_or_else(|e| panic!("{f} in {s}: {e}"))
}

pub fn size_of(s: &gst::StructureRef) -> (i32, i32) {
    (int(s, "width"), int(s, "height"))
}

pub fn str_field(s: &gst::StructureRef, f: &str) -> String {
    s.get::<String>(f)
        .unwrap_or_else(|e| panic!("{f} in {s}: {e}"))
}
