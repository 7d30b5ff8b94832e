//! The Prometheus text exposition format, read: samples with their labels,
//! and the sums and histogram quantiles `top` needs. No I/O here.

/// One sample line: `name{label="value",…} value`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sample {
    pub(crate) name: String,
    pub(crate) labels: Vec<(String, String)>,
    pub(crate) value: f64,
}

impl Sample {
    /// The value of label `name`, if present.
    pub(crate) fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Every sample of `text`; lines that do not parse are skipped.
pub(crate) fn parse(text: &str) -> Vec<Sample> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(parse_line)
        .collect()
}

fn parse_line(line: &str) -> Option<Sample> {
    let name_end = line.find(|c: char| c == '{' || c.is_whitespace())?;
    let name = line[..name_end].to_owned();
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(inner) = rest.strip_prefix('{') {
        let (parsed, after) = parse_labels(inner)?;
        labels = parsed;
        rest = after;
    }
    let value = rest.split_whitespace().next()?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    Some(Sample {
        name,
        labels,
        value,
    })
}

/// Parses `a="x",b="y\"z"}` and returns the labels and what follows `}`.
fn parse_labels(mut s: &str) -> Option<(Vec<(String, String)>, &str)> {
    let mut labels = Vec::new();
    loop {
        s = s.trim_start_matches([',', ' ']);
        if let Some(after) = s.strip_prefix('}') {
            return Some((labels, after));
        }
        let eq = s.find('=')?;
        let key = s[..eq].trim().to_owned();
        s = s[eq + 1..].strip_prefix('"')?;
        let mut value = String::new();
        let mut chars = s.char_indices();
        let end = loop {
            let (i, c) = chars.next()?;
            match c {
                '"' => break i,
                '\\' => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                c => value.push(c),
            }
        };
        labels.push((key, value));
        s = &s[end + 1..];
    }
}

/// One scrape of a service, queried by metric name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scrape {
    samples: Vec<Sample>,
}

impl Scrape {
    /// From an exposition's text.
    pub(crate) fn new(text: &str) -> Self {
        Self {
            samples: parse(text),
        }
    }

    /// The samples of metric `name` labelled `service="<service>"`.
    fn series<'a>(&'a self, service: &str, name: &str) -> Vec<&'a Sample> {
        self.samples
            .iter()
            .filter(|s| s.name == name && s.label("service") == Some(service))
            .collect()
    }

    /// The sum over every series of metric `quantity` of `service`, or `None` if absent.
    pub(crate) fn sum(&self, service: &str, quantity: &str) -> Option<f64> {
        let found = self.series(service, &format!("newsfeed_{quantity}"));
        (!found.is_empty()).then(|| found.iter().map(|s| s.value).sum())
    }

    /// The cumulative buckets (upper bound, count) of histogram `quantity`
    /// of `service`, summed over its other labels, sorted by bound.
    pub(crate) fn buckets(&self, service: &str, quantity: &str) -> Vec<(f64, f64)> {
        let mut by_bound: Vec<(f64, f64)> = Vec::new();
        for s in self.series(service, &format!("newsfeed_{quantity}_bucket")) {
            let Some(le) = s.label("le").and_then(|le| match le {
                "+Inf" => Some(f64::INFINITY),
                v => v.parse::<f64>().ok(),
            }) else {
                continue;
            };
            match by_bound.iter_mut().find(|(b, _)| *b == le) {
                Some((_, n)) => *n += s.value,
                None => by_bound.push((le, s.value)),
            }
        }
        by_bound.sort_by(|a, b| a.0.total_cmp(&b.0));
        by_bound
    }
}

/// Buckets observed between two scrapes (`later` minus `earlier`, by bound).
pub(crate) fn bucket_delta(later: &[(f64, f64)], earlier: &[(f64, f64)]) -> Vec<(f64, f64)> {
    later
        .iter()
        .map(|(le, n)| {
            let before = earlier
                .iter()
                .find(|(b, _)| b == le)
                .map_or(0.0, |(_, m)| *m);
            (*le, (n - before).max(0.0))
        })
        .collect()
}

/// The `q` quantile of cumulative `buckets`, interpolated linearly within
/// the bucket it falls in, as Prometheus's `histogram_quantile` does;
/// `None` when nothing was observed.
pub(crate) fn quantile(q: f64, buckets: &[(f64, f64)]) -> Option<f64> {
    let total = buckets.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let mut lower = (0.0, 0.0);
    for &(le, count) in buckets {
        if count >= rank {
            if le.is_infinite() {
                return Some(lower.0); // beyond the last finite bound
            }
            let in_bucket = count - lower.1;
            let frac = if in_bucket > 0.0 {
                (rank - lower.1) / in_bucket
            } else {
                1.0
            };
            return Some(lower.0 + (le - lower.0) * frac);
        }
        lower = (le, count);
    }
    Some(lower.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHARED: &str = r#"# HELP newsfeed_articles_in_total Articles taken in.
# TYPE newsfeed_articles_in_total counter
newsfeed_articles_in_total{service="enrich"} 12
newsfeed_consumer_lag{service="enrich",topic="t",partition="0"} 3
newsfeed_consumer_lag{service="enrich",topic="t",partition="1"} 4
newsfeed_end_to_end_seconds_bucket{service="enrich",le="0.1"} 2
newsfeed_end_to_end_seconds_bucket{service="enrich",le="0.5"} 8
newsfeed_end_to_end_seconds_bucket{service="enrich",le="+Inf"} 10
newsfeed_articles_rejected_total{service="enrich",reason="a \"quoted\", odd"} 1 1700000000000
"#;

    #[test]
    fn samples_and_labels_parse_escapes_included() {
        let s = parse(SHARED);
        assert_eq!(s.len(), 7);
        assert_eq!(s[0].name, "newsfeed_articles_in_total");
        assert_eq!(s[0].label("service"), Some("enrich"));
        assert_eq!(s[6].label("reason"), Some("a \"quoted\", odd"));
        assert_eq!(s[6].value, 1.0);
        assert_eq!(s[5].label("le"), Some("+Inf"));
    }

    #[test]
    fn series_are_found_by_shared_name_and_service_label() {
        let shared = Scrape::new(SHARED);
        assert_eq!(shared.sum("enrich", "articles_in_total"), Some(12.0));
        assert_eq!(shared.sum("enrich", "consumer_lag"), Some(7.0));
        assert_eq!(shared.sum("publish", "articles_in_total"), None);
        let unlabelled = Scrape::new("newsfeed_articles_in_total 5\n");
        assert_eq!(unlabelled.sum("enrich", "articles_in_total"), None);
        assert_eq!(
            shared.buckets("enrich", "end_to_end_seconds"),
            vec![(0.1, 2.0), (0.5, 8.0), (f64::INFINITY, 10.0)]
        );
    }

    #[test]
    fn quantiles_interpolate_like_prometheus() {
        let b = [(0.1, 2.0), (0.5, 8.0), (f64::INFINITY, 10.0)];
        // rank 5 of 10: 3 of the 6 in (0.1, 0.5] → 0.1 + 0.4 * 0.5
        assert!((quantile(0.5, &b).unwrap() - 0.3).abs() < 1e-9);
        assert_eq!(quantile(0.99, &b), Some(0.5));
        assert_eq!(quantile(0.5, &[(0.1, 0.0), (f64::INFINITY, 0.0)]), None);
        let d = bucket_delta(&b, &[(0.1, 2.0), (0.5, 4.0), (f64::INFINITY, 4.0)]);
        assert_eq!(d, vec![(0.1, 0.0), (0.5, 4.0), (f64::INFINITY, 6.0)]);
    }
}
