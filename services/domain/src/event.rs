//! Trade-promotion events and training (issue 17): the kinds of event, who they are for,
//! registrations and their states, and the training records the plan's indicators count.

use chrono::NaiveDate;

macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $s:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $v,)* }

        impl $name {
            /// Every value, in the order forms list them.
            pub const ALL: &[$name] = &[$($name::$v,)*];

            /// The value as stored and as forms send it.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s,)* }
            }

            /// Reads a stored or submitted value.
            pub fn parse(s: &str) -> Option<Self> {
                match s.trim() { $($s => Some($name::$v),)* _ => None }
            }
        }
    };
}

str_enum! {
    /// What kind of event it is.
    Kind {
        Fair => "fair",
        Forum => "forum",
        Training => "training",
        StudyTour => "study_tour",
        B2b => "b2b_matchmaking",
    }
}

str_enum! {
    /// Whom an event is for (an event may be for several).
    Audience {
        Cooperatives => "cooperatives",
        Buyers => "buyers",
        Network => "network",
        Public => "public",
    }
}

str_enum! {
    /// A ticket type admits a person, or a cooperative to a booth at a fair.
    TicketKind {
        Visitor => "visitor",
        Exhibitor => "exhibitor",
    }
}

str_enum! {
    /// Where a registration stands.
    Status {
        Confirmed => "confirmed",
        Waitlisted => "waitlisted",
        Cancelled => "cancelled",
    }
}

str_enum! {
    /// What a training teaches.
    Topic {
        Governance => "governance",
        Accounting => "accounting",
        Supervision => "supervision",
        Ecommerce => "ecommerce",
        Vocational => "vocational",
        Digital => "digital",
    }
}

str_enum! {
    /// The trained person's role: in her cooperative, or as a Union officer.
    Role {
        Chair => "chair",
        Director => "director",
        Board => "board",
        Supervisor => "supervisor",
        Accountant => "accountant",
        Member => "member",
        Worker => "worker",
        Officer => "officer",
    }
}

impl Role {
    /// Roles that make a woman one of her cooperative's managers (the positions the reports
    /// count as "women in management").
    pub fn is_manager(self) -> bool {
        matches!(
            self,
            Role::Chair | Role::Director | Role::Board | Role::Supervisor | Role::Accountant
        )
    }
}

/// The audience list as stored: `|`-separated, in [`Audience::ALL`] order, never empty.
pub fn audience_list(chosen: &[Audience]) -> String {
    let list: Vec<&str> = Audience::ALL
        .iter()
        .filter(|a| chosen.contains(a))
        .map(|a| a.as_str())
        .collect();
    if list.is_empty() {
        Audience::Public.as_str().to_owned()
    } else {
        list.join("|")
    }
}

/// Reads a stored audience list, skipping unknown values.
pub fn parse_audience(stored: &str) -> Vec<Audience> {
    stored.split('|').filter_map(Audience::parse).collect()
}

/// Whether registration is open on `today`: from the opening day (if any) to the deadline
/// (if any, inclusive), and never after the event has ended.
pub fn registration_open(
    today: NaiveDate,
    opens: Option<NaiveDate>,
    deadline: Option<NaiveDate>,
    ends: NaiveDate,
) -> bool {
    opens.is_none_or(|o| today >= o) && deadline.is_none_or(|d| today <= d) && today <= ends
}

/// The key that makes two training records the same person: her account, else her name
/// folded (case, spacing and diacritics) within her cooperative.
pub fn person_key(user_id: Option<i64>, org_id: Option<i64>, name: &str) -> String {
    match user_id {
        Some(u) => format!("u{u}"),
        None => format!(
            "o{}:{}",
            org_id.unwrap_or(0),
            crate::text::fold(name)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_unknown_ones_are_refused() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(*k));
        }
        for t in Topic::ALL {
            assert_eq!(Topic::parse(t.as_str()), Some(*t));
        }
        assert_eq!(Kind::parse("party"), None);
        assert_eq!(Role::parse(""), None);
    }

    #[test]
    fn audience_lists_are_ordered_and_never_empty() {
        assert_eq!(
            audience_list(&[Audience::Public, Audience::Buyers]),
            "buyers|public"
        );
        assert_eq!(audience_list(&[]), "public");
        assert_eq!(
            parse_audience("buyers|nobody|network"),
            vec![Audience::Buyers, Audience::Network]
        );
    }

    #[test]
    fn registration_window_includes_both_ends() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default();
        let open = |t| registration_open(t, Some(d(3, 1)), Some(d(3, 10)), d(3, 20));
        assert!(!open(d(2, 28)));
        assert!(open(d(3, 1)));
        assert!(open(d(3, 10)));
        assert!(!open(d(3, 11)));
        assert!(registration_open(d(3, 20), None, None, d(3, 20)));
        assert!(!registration_open(d(3, 21), None, None, d(3, 20)));
    }

    #[test]
    fn the_same_person_is_found_by_account_or_by_folded_name() {
        assert_eq!(person_key(Some(7), Some(3), "X"), "u7");
        assert_eq!(
            person_key(None, Some(3), "  Nguyễn  Thị Lan "),
            person_key(None, Some(3), "nguyen thi LAN")
        );
        assert_ne!(
            person_key(None, Some(3), "Nguyễn Thị Lan"),
            person_key(None, Some(4), "Nguyễn Thị Lan")
        );
    }
}
