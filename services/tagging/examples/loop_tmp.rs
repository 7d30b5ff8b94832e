use newsfeed_model::Article;
use newsfeed_tagging::{Tagger, Taxonomy};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let shapes: Vec<(String, Vec<Article>)> =
        serde_json::from_slice(&std::fs::read(&args[1]).unwrap()).unwrap();
    let tax = match args.get(4) {
        Some(p) => Taxonomy::load(std::path::Path::new(p)).unwrap(),
        None => Taxonomy::default_taxonomy().unwrap(),
    };
    let t = Tagger::new(tax);
    let arts = &shapes.iter().find(|(n, _)| n == &args[2]).unwrap().1;
    let reps: usize = args[3].parse().unwrap();
    let start = std::time::Instant::now();
    for _ in 0..reps {
        for a in arts {
            std::hint::black_box(t.tag(a));
        }
    }
    println!(
        "{:.0} ns/story",
        start.elapsed().as_nanos() as f64 / (reps * arts.len()) as f64
    );
}
