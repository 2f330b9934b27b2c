//! Thresholds (`> 400`) and conditions over metrics (`p95_ms < 400`): the one grammar shared by
//! `warn`/`crit`, soak-gate `require` lists and `rollback_when`, so all three read the same.

use std::fmt;

/// A comparison operator as written in runbooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

impl Op {
    /// Longest spellings first, so `>=` is not read as `>` followed by `=`.
    const SPELLINGS: [(&'static str, Op); 6] = [
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("==", Op::Eq),
        ("!=", Op::Ne),
        (">", Op::Gt),
        ("<", Op::Lt),
    ];

    fn as_str(self) -> &'static str {
        match self {
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }
}

/// `<op> <number>`: the test a sample value is put to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    pub op: Op,
    pub value: f64,
}

impl Threshold {
    /// Parses `"> 400"`, `">=80"`, `"!= 200"`; the error says what is expected.
    pub fn parse(text: &str) -> Result<Threshold, String> {
        let t = text.trim();
        let Some((op, rest)) = Op::SPELLINGS
            .iter()
            .find_map(|(s, op)| t.strip_prefix(s).map(|r| (*op, r)))
        else {
            return Err(format!(
                "threshold `{t}` needs an operator first: one of > >= < <= == != (e.g. \"> 400\")"
            ));
        };
        let number = rest.trim();
        match number.parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(Threshold { op, value }),
            _ => Err(format!(
                "threshold `{t}`: `{number}` is not a number (e.g. \"{} 400\")",
                op.as_str()
            )),
        }
    }

    /// Whether `v` meets the threshold (for `warn`/`crit`: the bad side).
    pub fn holds(&self, v: f64) -> bool {
        match self.op {
            Op::Gt => v > self.value,
            Op::Ge => v >= self.value,
            Op::Lt => v < self.value,
            Op::Le => v <= self.value,
            Op::Eq => v == self.value,
            Op::Ne => v != self.value,
        }
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.op.as_str(), self.value)
    }
}

/// `metric <op> <number>`: a requirement of a soak gate or a `rollback_when` trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub metric: String,
    pub threshold: Threshold,
}

impl Condition {
    /// Parses `"error_rate < 1"`; the metric name is what comes before the operator.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let t = text.trim();
        let Some(at) = t.find(['<', '>', '=', '!']) else {
            return Err(format!(
                "condition `{t}` needs the form `metric <op> number` (e.g. \"error_rate < 1\")"
            ));
        };
        let metric = t[..at].trim();
        if metric.is_empty()
            || !metric
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            return Err(format!(
                "condition `{t}` must start with a metric name (letters, digits, _ - .)"
            ));
        }
        let threshold = Threshold::parse(&t[at..]).map_err(|e| format!("condition `{t}`: {e}"))?;
        Ok(Condition {
            metric: metric.to_string(),
            threshold,
        })
    }

    /// Whether `v` (a value of `self.metric`) satisfies the condition.
    pub fn holds(&self, v: f64) -> bool {
        self.threshold.holds(v)
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.metric, self.threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operator() {
        let cases = [
            ("> 40", 41.0, true),
            ("> 40", 40.0, false),
            (">=40", 40.0, true),
            ("< 1", 0.5, true),
            ("<= 1", 1.0, true),
            ("== 200", 200.0, true),
            ("!= 200", 200.0, false),
            ("!= 200", 500.0, true),
        ];
        for (text, v, want) in cases {
            assert_eq!(Threshold::parse(text).unwrap().holds(v), want, "{text} {v}");
        }
        assert_eq!(Threshold::parse(" >= 1.5 ").unwrap().to_string(), ">= 1.5");
    }

    #[test]
    fn bad_thresholds_say_why() {
        assert!(Threshold::parse("40").unwrap_err().contains("operator"));
        assert!(
            Threshold::parse("> fast")
                .unwrap_err()
                .contains("not a number")
        );
        assert!(Threshold::parse("> NaN").is_err());
        assert!(Threshold::parse("=> 4").is_err());
    }

    #[test]
    fn conditions() {
        let c = Condition::parse("p95_ms < 400").unwrap();
        assert_eq!(c.metric, "p95_ms");
        assert!(c.holds(399.0) && !c.holds(400.0));
        assert_eq!(c.to_string(), "p95_ms < 400");
        assert!(Condition::parse("< 4").is_err());
        assert!(Condition::parse("error rate < 4").is_err());
        assert!(Condition::parse("rate").is_err());
    }
}
