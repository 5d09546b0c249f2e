//! Amazon EventBridge Scheduler: `AWS::Scheduler::Schedule`, a schedule
//! that starts a CodeBuild project, e.g. a nightly drift check.
//!
//! Scheduler rather than an EventBridge rule: a schedule has a time zone, a
//! flexible window and a role of its own per target, and needs no event
//! bus. A [`Schedule`] is secure by default: its own role, which only
//! `scheduler.amazonaws.com` may assume and only for this account
//! (`aws:SourceAccount`, the confused-deputy guard AWS documents), and
//! which may start exactly the target project (`codebuild:StartBuild` on
//! its ARN). The target is *templated*: its `Arn` is the project ARN and
//! Scheduler calls `StartBuild` on it.
//!
//! The expression is typed ([`Expression`]) and checked at synth, so a
//! malformed cron is a problem with the schedule's path, not a failed
//! deploy.
//!
//! Reference: [`AWS::Scheduler::Schedule`](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-scheduler-schedule.html),
//! [schedule types](https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html),
//! [the execution role](https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role).

use crate::codebuild::ProjectRef;
use crate::construct::{Construct, Need, ResourceRef, Stack};
use crate::error::ProblemKind;
use crate::iam::{Role, RoleRef, Statement};
use crate::template::{Expr, Resource};

/// The Scheduler page that documents the execution role: what a schedule's
/// role needs to start its target.
pub const ROLE_DOC: &str = "https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role";

/// The service that assumes a schedule's role.
pub const SERVICE: &str = "scheduler.amazonaws.com";

/// The time zone of a schedule unless [`Schedule::time_zone`] sets one.
pub const DEFAULT_TIME_ZONE: &str = "UTC";

/// The unit of a [`Expression::Rate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Minutes.
    Minutes,
    /// Hours.
    Hours,
    /// Days.
    Days,
}

impl Unit {
    /// The unit as Scheduler writes it: singular for a value of 1
    /// (`rate(1 day)`), plural otherwise (`rate(2 days)`).
    fn as_str(self, value: u32) -> &'static str {
        match (self, value == 1) {
            (Unit::Minutes, true) => "minute",
            (Unit::Minutes, false) => "minutes",
            (Unit::Hours, true) => "hour",
            (Unit::Hours, false) => "hours",
            (Unit::Days, true) => "day",
            (Unit::Days, false) => "days",
        }
    }
}

/// When a schedule fires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expression {
    /// `rate(N unit)`: every `N` units from the schedule's creation. `N` is
    /// at least 1.
    Rate {
        /// How many units between runs.
        value: u32,
        /// The unit.
        unit: Unit,
    },
    /// `cron(minutes hours day-of-month month day-of-week year)`: the six
    /// fields of Scheduler's cron, in the schedule's time zone. One of
    /// day-of-month and day-of-week is `?`.
    Cron(String),
}

/// The cron fields in order, with the numbers each takes and the names it
/// also accepts.
const CRON_FIELDS: [(&str, u32, u32, &[&str]); 6] = [
    ("minutes", 0, 59, &[]),
    ("hours", 0, 23, &[]),
    ("day-of-month", 1, 31, &[]),
    (
        "month",
        1,
        12,
        &[
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ],
    ),
    (
        "day-of-week",
        1,
        7,
        &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    ),
    ("year", 1970, 2199, &[]),
];

impl Expression {
    /// Every `value` `unit`s, e.g. `Expression::rate(1, Unit::Days)`.
    pub fn rate(value: u32, unit: Unit) -> Self {
        Expression::Rate { value, unit }
    }

    /// The six cron fields, e.g. `Expression::cron("0 6 * * ? *")` (every
    /// day at 06:00).
    pub fn cron(fields: impl Into<String>) -> Self {
        Expression::Cron(fields.into())
    }

    /// Once a day: `rate(1 day)`.
    pub fn daily() -> Self {
        Expression::rate(1, Unit::Days)
    }

    /// The expression as Scheduler takes it: `rate(1 day)`,
    /// `cron(0 6 * * ? *)`.
    pub fn render(&self) -> String {
        match self {
            Expression::Rate { value, unit } => format!("rate({value} {})", unit.as_str(*value)),
            Expression::Cron(fields) => format!("cron({})", fields.trim()),
        }
    }

    /// What is wrong with the expression, if anything: the reason, in the
    /// words of [`ProblemKind::InvalidName`] (`is invalid: ...`).
    pub fn problem(&self) -> Option<String> {
        match self {
            Expression::Rate { value: 0, .. } => {
                Some("is invalid: a rate is at least 1".to_owned())
            }
            Expression::Rate { .. } => None,
            Expression::Cron(fields) => cron_problem(fields),
        }
    }
}

/// The first problem of a cron's fields.
fn cron_problem(fields: &str) -> Option<String> {
    let parts: Vec<&str> = fields.split_whitespace().collect();
    if parts.len() != CRON_FIELDS.len() {
        return Some(format!(
            "is invalid: a cron has six fields (minutes hours day-of-month month day-of-week year), found {}",
            parts.len()
        ));
    }
    let (day_of_month, day_of_week) = (parts[2], parts[4]);
    if (day_of_month == "?") == (day_of_week == "?") {
        return Some(
            "is invalid: exactly one of day-of-month and day-of-week is `?` (Scheduler takes one or the other)"
                .to_owned(),
        );
    }
    for (part, (name, min, max, names)) in parts.iter().zip(CRON_FIELDS) {
        if let Some(bad) = field_problem(part, name, min, max, names) {
            return Some(bad);
        }
    }
    None
}

/// The problem of one cron field: a list of `*`, `?` (the day fields),
/// values, ranges `a-b` and increments `a/n`, with `L`, `W` and `#` in the
/// day fields as Scheduler takes them.
fn field_problem(part: &str, name: &str, min: u32, max: u32, names: &[&str]) -> Option<String> {
    let day = name.starts_with("day-");
    let bad = || {
        Some(format!(
            "is invalid: {name} `{part}` is not {min}-{max}{}, `*`{}, a list, a range or an increment",
            if names.is_empty() {
                String::new()
            } else {
                format!(" or {}-{}", names[0], names[names.len() - 1])
            },
            if day { ", `?`" } else { "" }
        ))
    };
    if part == "*" || (day && part == "?") {
        return None;
    }
    for item in part.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (item, None),
        };
        if let Some(step) = step
            && step.parse::<u32>().map_or(true, |n| n == 0)
        {
            return bad();
        }
        let value_ok = |v: &str| {
            let v = if day {
                v.trim_end_matches(['L', 'W'])
                    .split('#')
                    .next()
                    .unwrap_or_default()
            } else {
                v
            };
            (day && v.is_empty())
                || v.parse::<u32>().is_ok_and(|n| (min..=max).contains(&n))
                || names.iter().any(|n| n.eq_ignore_ascii_case(v))
        };
        let ok = match range.split_once('-') {
            _ if range == "*" => step.is_some(),
            Some((from, to)) => value_ok(from) && value_ok(to),
            None => value_ok(range),
        };
        if !ok {
            return bad();
        }
    }
    None
}

/// Whether the schedule runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum State {
    /// `ENABLED`: the default.
    #[default]
    Enabled,
    /// `DISABLED`: kept, never fired.
    Disabled,
}

/// A schedule that starts a CodeBuild project.
///
/// Defaults: time zone [`DEFAULT_TIME_ZONE`]; flexible time window off (the
/// build starts on time); [`State::Enabled`]; no name (CloudFormation
/// generates one) in the `default` group; a role of its own,
/// `<id>Role`, trusting only Scheduler on behalf of this account.
#[derive(Clone, Debug)]
pub struct Schedule {
    id: String,
    expression: Expression,
    project: ProjectRef,
    time_zone: String,
    window_minutes: Option<u32>,
    state: State,
    description: Option<String>,
}

impl Schedule {
    /// A schedule with logical ID `id` that starts `project` when
    /// `expression` fires.
    pub fn new(id: impl Into<String>, expression: Expression, project: &ProjectRef) -> Self {
        Self {
            id: id.into(),
            expression,
            project: project.clone(),
            time_zone: DEFAULT_TIME_ZONE.to_owned(),
            window_minutes: None,
            state: State::Enabled,
            description: None,
        }
    }

    /// The IANA time zone a cron is read in (`ScheduleExpressionTimezone`),
    /// e.g. `Europe/Paris`. Default: [`DEFAULT_TIME_ZONE`].
    pub fn time_zone(mut self, zone: impl Into<String>) -> Self {
        self.time_zone = zone.into();
        self
    }

    /// Lets Scheduler start the build up to `minutes` (1 to 1440) after the
    /// time (`FlexibleTimeWindow` `FLEXIBLE`), spreading load. Default:
    /// off, the build starts on time.
    pub fn flexible_window(mut self, minutes: u32) -> Self {
        self.window_minutes = Some(minutes);
        self
    }

    /// Enables or disables the schedule (`State`). Default:
    /// [`State::Enabled`].
    pub fn state(mut self, state: State) -> Self {
        self.state = state;
        self
    }

    /// Sets `Description`. Default: none.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    fn problems(&self) -> Vec<ProblemKind> {
        let mut out = Vec::new();
        if let Some(reason) = self.expression.problem() {
            out.push(ProblemKind::InvalidName {
                what: "schedule expression",
                name: self.expression.render(),
                reason,
            });
        }
        if let Some(minutes) = self.window_minutes
            && !(1..=1440).contains(&minutes)
        {
            out.push(ProblemKind::OutOfRange {
                setting: "flexible time window",
                value: minutes.into(),
                unit: "minutes",
                min: 1,
                max: 1440,
            });
        }
        let zone_ok = !self.time_zone.is_empty()
            && self.time_zone.len() <= 50
            && self
                .time_zone
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
        if !zone_ok {
            out.push(ProblemKind::InvalidName {
                what: "time zone",
                name: self.time_zone.clone(),
                reason: "is invalid: use an IANA time zone such as `UTC` or `Europe/Paris`"
                    .to_owned(),
            });
        }
        out
    }
}

/// A schedule added to a stack.
#[derive(Clone, Debug)]
pub struct ScheduleRef {
    resource: ResourceRef,
    role: RoleRef,
}

impl ScheduleRef {
    /// The schedule's logical ID.
    pub fn id(&self) -> &str {
        self.resource.id()
    }

    /// The schedule's name (`!Ref`).
    pub fn name(&self) -> Expr {
        self.resource.reference()
    }

    /// The schedule's role, which Scheduler assumes to start the target.
    pub fn role(&self) -> &RoleRef {
        &self.role
    }
}

impl Construct for Schedule {
    type Ref = ScheduleRef;

    fn add_to(self, stack: &mut Stack) -> ScheduleRef {
        let path = stack.path(&self.id);
        for problem in self.problems() {
            stack.problem(&path, problem);
        }
        let role = stack.add(
            Role::new(format!("{}Role", self.id), SERVICE)
                .trust_condition(
                    "StringEquals",
                    "aws:SourceAccount",
                    Expr::sub("${AWS::AccountId}"),
                )
                .description(format!(
                    "Scheduler assumes this role to start project {} on schedule {}",
                    self.project.id(),
                    self.id
                )),
        );
        stack.for_need(
            Need::feature(
                format!(
                    "schedule `{}` starts project `{}`",
                    self.id,
                    self.project.id()
                ),
                ROLE_DOC,
            ),
            |stack| {
                stack.grant(
                    &role,
                    Statement::allow(["codebuild:StartBuild"]).resource(self.project.arn()),
                )
            },
        );
        let window = match self.window_minutes {
            None => Expr::map([("Mode", Expr::from("OFF"))]),
            Some(minutes) => Expr::map([
                ("Mode", Expr::from("FLEXIBLE")),
                ("MaximumWindowInMinutes", Expr::from(minutes)),
            ]),
        };
        let mut schedule = Resource::new("AWS::Scheduler::Schedule");
        if let Some(d) = &self.description {
            schedule = schedule.property("Description", d.as_str());
        }
        schedule = schedule
            .property("ScheduleExpression", self.expression.render())
            .property("ScheduleExpressionTimezone", self.time_zone.as_str())
            .property("FlexibleTimeWindow", window)
            .property(
                "State",
                match self.state {
                    State::Enabled => "ENABLED",
                    State::Disabled => "DISABLED",
                },
            )
            .property(
                "Target",
                Expr::map([("Arn", self.project.arn()), ("RoleArn", role.arn())]),
            );
        let resource = stack.add_resource_at(path, &self.id, schedule);
        ScheduleRef { resource, role }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(e: &Expression) -> Option<String> {
        e.problem()
    }

    #[test]
    fn rates_render_singular_and_plural() {
        assert_eq!(Expression::daily().render(), "rate(1 day)");
        assert_eq!(Expression::rate(12, Unit::Hours).render(), "rate(12 hours)");
        assert_eq!(
            Expression::rate(1, Unit::Minutes).render(),
            "rate(1 minute)"
        );
        assert_eq!(
            reason(&Expression::rate(0, Unit::Days)).as_deref(),
            Some("is invalid: a rate is at least 1")
        );
    }

    #[test]
    fn valid_crons_pass() {
        for fields in [
            "0 6 * * ? *",
            "0/15 * ? * MON-FRI *",
            "30 2 1,15 * ? 2030",
            "0 12 ? JAN-MAR 2#1 *",
            "0 0 L * ? *",
        ] {
            assert_eq!(reason(&Expression::cron(fields)), None, "{fields}");
        }
    }
}
