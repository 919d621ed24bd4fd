// SPDX-License-Identifier: MPL-2.0
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    c.bench_function("parse", |b| {
        b.iter(|| gstusermedia::engine::parse::parse("{video: true}"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
