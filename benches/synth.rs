//! Synth speed of one stack, and of the YAML emitter alone, on the
//! `image-pipeline` stack (`cargo bench`). The scale example
//! (`examples/synth_scale.rs`) measures whole apps of N stacks.
//!
//! `synth` borrows the app and so copies each stack before rendering its
//! grants; `synth_each` is handed the app and moves its stacks, as the
//! `synth` command does (the copy it is given is made outside the timing).

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use pipewright::App;
use pipewright::app::Format;
use std::hint::black_box;

fn synth(c: &mut Criterion) {
    let app = App::new().stack(pipewright_app::image_pipeline::webhook());
    c.bench_function("synth image-pipeline", |b| {
        b.iter(|| black_box(&app).synth().map(|a| a.stacks.len()))
    });
    c.bench_function("synth_each image-pipeline", |b| {
        b.iter_batched(
            || app.clone(),
            |app| {
                app.synth_each(Format::Yaml, |artifact| {
                    black_box(artifact.body.len());
                    Ok(())
                })
            },
            BatchSize::PerIteration,
        )
    });
    let Ok(assembly) = app.synth() else {
        panic!("the image-pipeline stack does not synthesize");
    };
    let template = &assembly.stacks[0].template;
    c.bench_function("yaml emitter image-pipeline", |b| {
        b.iter(|| pipewright::template::yaml::to_string(black_box(template)).len())
    });
    c.bench_function("json emitter image-pipeline", |b| {
        b.iter(|| pipewright::template::json::to_string(black_box(template)).len())
    });
}

criterion_group!(benches, synth);
criterion_main!(benches);
