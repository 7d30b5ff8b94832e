//! Why a taxonomy was refused. Every message names the file and line, and
//! the concept where there is one, so an editor can go straight to it.

use std::fmt;

/// A taxonomy that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TaxonomyError {
    /// The file could not be read.
    #[error("{path}: cannot read the taxonomy: {source}")]
    Read {
        /// The file.
        path: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The file is not YAML of the documented shape (bad indentation, a
    /// misspelt key, a list where a word belongs, ...).
    #[error("{origin}:{line}: {context}{message}")]
    Syntax {
        /// The file name.
        origin: String,
        /// 1-based line, 0 when unknown.
        line: usize,
        /// "concept `id`: " when the line is inside a concept, else empty.
        context: String,
        /// What the YAML reader said.
        message: String,
    },
    /// The file reads but breaks the rules: every problem found, in file order.
    #[error("{}", Problems(.0))]
    Invalid(Vec<Problem>),
}

/// One broken rule in a taxonomy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file name.
    pub origin: String,
    /// 1-based line.
    pub line: usize,
    /// The concept id, when the problem is inside a concept.
    pub concept: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.origin, self.line)?;
        if let Some(id) = &self.concept {
            write!(f, "concept `{id}`: ")?;
        }
        f.write_str(&self.message)
    }
}

struct Problems<'a>(&'a [Problem]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl TaxonomyError {
    /// The individual problems (one for a read or syntax error).
    pub fn problems(&self) -> Vec<String> {
        match self {
            Self::Invalid(list) => list.iter().map(ToString::to_string).collect(),
            other => vec![other.to_string()],
        }
    }
}
