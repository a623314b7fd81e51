//! Query understanding: the reader.

use super::*;

/// What a phrase means.
#[derive(Debug)]
pub(super) enum Effect {
    Price(Option<i64>, Option<i64>),
    /// A star count, and whether it was named alone ("OCOP 4 sao"; not "từ 4 sao", "4 sao
    /// trở lên").
    Stars(u8, bool),
    Cheap,
    /// An offer kind, and whether the words stay text.
    Offer(&'static str, bool),
    Certification(&'static str),
    Place(Vec<String>),
    /// Consumed without a filter.
    Stop,
    /// Left as text, and not read again.
    Keep,
}

/// A reader of one kind of phrase: the end of the phrase at an index and what it means.
pub(super) type Read<'a> = fn(&Reader<'a>, usize) -> Option<(usize, Effect)>;

pub(super) struct Reader<'a> {
    pub(super) toks: &'a [Tok],
    pub(super) used: Vec<bool>,
    pub(super) u: Understood,
    pub(super) offer_conflict: bool,
    pub(super) english: bool,
    pub(super) open_end: bool,
}

impl Reader<'_> {
    /// Reads the phrase at `i`, if any: the index after it.
    pub(super) fn step(&mut self, i: usize) -> Option<usize> {
        let readers: [Read<'_>; 7] = [
            Self::price,
            Self::stars,
            Self::cheap,
            Self::offer,
            Self::certification,
            Self::place,
            Self::stop,
        ];
        readers
            .iter()
            .find_map(|read| read(self, i).filter(|(_, e)| self.accepts(e)))
            .map(|(end, effect)| {
                self.take(i, end, effect);
                end
            })
    }

    pub(super) fn when(&self, w: When, end: usize) -> bool {
        match w {
            When::Always => true,
            When::English => self.english && !(self.open_end && end == self.toks.len()),
            When::Keep => true,
        }
    }

    /// Whether the effect fits what was read before (the first value of a filter wins).
    pub(super) fn accepts(&self, e: &Effect) -> bool {
        let u = &self.u;
        match e {
            Effect::Price(lo, hi) => {
                let (lo2, hi2) = (lo.or(u.price_min), hi.or(u.price_max));
                let twice = (lo.is_some() && u.price_min.is_some())
                    || (hi.is_some() && u.price_max.is_some());
                !twice && !matches!((lo2, hi2), (Some(l), Some(h)) if l > h)
            }
            Effect::Stars(..) => u.min_stars.is_none(),
            Effect::Certification(c) => {
                u.certification.as_deref().is_none_or(|have| have == *c)
                    || (*c == "ocop" && u.min_stars.is_none())
            }
            _ => true,
        }
    }

    pub(super) fn take(&mut self, i: usize, end: usize, effect: Effect) {
        let phrase = join((i..end).filter_map(|k| self.toks.get(k).map(|t| (k, t))));
        let slot = match effect {
            Effect::Price(lo, hi) => {
                self.u.price_min = self.u.price_min.or(lo);
                self.u.price_max = self.u.price_max.or(hi);
                Some(Slot::Price)
            }
            Effect::Stars(n, exact) => {
                self.u.min_stars = Some(n);
                self.u.stars_exact = exact;
                Some(Slot::Stars)
            }
            Effect::Cheap => {
                self.u.cheap = true;
                Some(Slot::Cheap)
            }
            Effect::Offer(kind, keep) => {
                match &self.u.offer_kind {
                    Some(have) if have != kind => self.offer_conflict = true,
                    _ => self.u.offer_kind = Some(kind.to_owned()),
                }
                if keep {
                    return;
                }
                Some(Slot::Offer)
            }
            Effect::Certification(c) => match &self.u.certification {
                Some(have) if have != c => {
                    // OCOP after another certification: OCOP products have 3+ stars.
                    self.u.min_stars = Some(3);
                    Some(Slot::Stars)
                }
                _ => {
                    self.u.certification = Some(c.to_owned());
                    Some(Slot::Certification)
                }
            },
            Effect::Place(codes) => {
                for c in codes {
                    if !self.u.communes.contains(&c) {
                        self.u.communes.push(c);
                    }
                }
                Some(Slot::Place)
            }
            Effect::Stop => None,
            Effect::Keep => return,
        };
        for k in i..end {
            if let Some(u) = self.used.get_mut(k) {
                *u = true;
            }
        }
        match slot {
            Some(slot) => {
                self.u.consumed.push(phrase);
                self.u.slots.push(slot);
            }
            None => self.u.dropped.push(phrase),
        }
    }

    pub(super) fn price(&self, i: usize) -> Option<(usize, Effect)> {
        let toks = self.toks;
        let mut j = i;
        let mut context = false;
        let mut dir = None;
        if let Some((end, ())) = PRICE_WORD.at(toks, j) {
            (j, context) = (end, true);
        }
        if let Some((end, d)) = CMP_BEFORE.at(toks, j) {
            (j, context, dir) = (end, true, Some(d));
            if let Some((end, ())) = PRICE_WORD.at(toks, j) {
                j = end;
            }
        }
        let a = amount_at(toks, j)?;
        let per_unit = |end: usize| {
            let unit = toks.get(end).is_some_and(|t| t.s == "/")
                && toks.get(end + 1).is_some_and(|t| t.word && is_quantity(t));
            if unit { end + 2 } else { end }
        };
        if let Some((sep_end, sep)) = RANGE_SEP.at(toks, a.end)
            && (sep == Sep::To || dir == Some(Dir::Between))
            && let Some(b) = amount_at(toks, sep_end)
            && let Some((lo, hi)) = range_values(&a, &b, context)
        {
            return Some((per_unit(b.end), Effect::Price(Some(lo), Some(hi))));
        }
        let mut end = a.end;
        if let Some((after, d)) = CMP_AFTER.at(toks, end) {
            end = after;
            context = true;
            dir = dir.or(Some(d));
        }
        if !context && !a.money() && !a.num.grouped {
            return None;
        }
        let v = a.value(context)?;
        let effect = match dir.unwrap_or(Dir::About) {
            Dir::Max => Effect::Price(None, Some(v)),
            Dir::Min | Dir::From => Effect::Price(Some(v), None),
            Dir::About | Dir::Between => Effect::Price(Some(v - v / 5), Some(v + v / 5)),
        };
        Some((per_unit(end), effect))
    }

    pub(super) fn stars(&self, i: usize) -> Option<(usize, Effect)> {
        let toks = self.toks;
        let before = STAR_BEFORE.at(toks, i);
        let mut j = before.map_or(i, |(end, ())| end);
        let mut ocop = false;
        if let Some((end, ())) = OCOP.at(toks, j) {
            (j, ocop) = (end, true);
        }
        let t = toks.get(j)?;
        let mut unit = false;
        let n: u8 = if let Some((end, n)) = STAR_WORDS.at(toks, j) {
            j = end;
            n
        } else if !t.word {
            // "★★★★": one star sign per star.
            let run = toks[j..]
                .iter()
                .enumerate()
                .take_while(|(k, s)| matches!(s.s.as_str(), "★" | "⭐") && (*k == 0 || s.glued))
                .count();
            if run == 0 {
                return None;
            }
            (j, unit) = (j + run, true);
            u8::try_from(run).ok()?
        } else {
            // "4", "4sao", "4star", "ocop4".
            let f = t.folded.as_str();
            let f = match f.strip_prefix("ocop") {
                Some(rest) => {
                    ocop = true;
                    rest
                }
                None => f,
            };
            let digits = f.bytes().take_while(u8::is_ascii_digit).count();
            let rest = &f[digits..];
            if digits != 1 || in_date(toks, j) {
                return None;
            }
            match rest {
                "" => {}
                "sao" | "star" | "stars" => unit = true,
                _ => return None,
            }
            j += 1;
            f[..1].parse().ok()?
        };
        if !unit && let Some((end, ())) = STAR_UNIT.at(toks, j) {
            (j, unit) = (end, true);
        }
        if !(3..=5).contains(&n) || !(unit || ocop) {
            return None;
        }
        if !ocop && let Some((end, ())) = OCOP.at(toks, j) {
            j = end;
        }
        let after = STAR_AFTER.at(toks, j);
        if let Some((end, ())) = after {
            j = end;
        }
        Some((j, Effect::Stars(n, before.is_none() && after.is_none())))
    }

    pub(super) fn cheap(&self, i: usize) -> Option<(usize, Effect)> {
        CHEAP.at(self.toks, i).map(|(end, ())| (end, Effect::Cheap))
    }

    pub(super) fn offer(&self, i: usize) -> Option<(usize, Effect)> {
        OFFER
            .at(self.toks, i)
            .map(|(end, (kind, keep))| (end, Effect::Offer(kind, keep)))
    }

    pub(super) fn certification(&self, i: usize) -> Option<(usize, Effect)> {
        let j = CERT_BEFORE.at(self.toks, i).map_or(i, |(end, ())| end);
        CERT.at(self.toks, j)
            .or_else(|| CERT.at(self.toks, i))
            .map(|(end, code)| (end, Effect::Certification(code)))
    }

    pub(super) fn place(&self, i: usize) -> Option<(usize, Effect)> {
        let toks = self.toks;
        // The name right here ("Từ Liêm"), or after markers ("từ Bát Tràng").
        let mut starts = vec![(i, false, None)];
        let mut j = i;
        if let Some((end, w)) = PLACE_BEFORE.at(toks, j)
            && self.when(w, usize::MAX)
        {
            j = end;
            starts.push((j, true, None));
        }
        if let Some((end, kind)) = PLACE_KIND_BEFORE.at(toks, j) {
            starts.push((end, true, Some(kind)));
        }
        starts
            .into_iter()
            .rev()
            .filter_map(|(at, marked, kind)| self.place_name(at, marked, kind))
            .max_by_key(|(end, _)| *end)
    }

    /// A place name at `at`, after markers when `marked` (of `kind`, when they say).
    pub(super) fn place_name(
        &self,
        at: usize,
        marked: bool,
        kind: Option<PlaceKind>,
    ) -> Option<(usize, Effect)> {
        let toks = self.toks;
        let first = toks.get(at)?;
        let candidates = PLACES.get(&first.folded)?;
        candidates.iter().find_map(|p| {
            let end = at + p.words.len();
            let words = toks.get(at..end)?;
            if !words.iter().zip(&p.words).all(|(t, w)| same(t, w, false)) {
                return None;
            }
            let (end, kind) = match (kind, PLACE_KIND_AFTER.at(toks, end)) {
                (None, Some((after, k))) => (after, Some(k)),
                _ => (end, kind),
            };
            if p.needs_marker && !marked && kind.is_none() {
                return None;
            }
            if p.city {
                return matches!(kind, None | Some(PlaceKind::City)).then_some((end, Effect::Stop));
            }
            let codes = match (kind, &p.commune) {
                (Some(PlaceKind::City), _) => return None,
                (Some(PlaceKind::Commune), Some(c)) => vec![c.clone()],
                _ if !p.district.is_empty() => p.district.clone(),
                (_, Some(c)) => vec![c.clone()],
                _ => return None,
            };
            Some((end, Effect::Place(codes)))
        })
    }

    pub(super) fn stop(&self, i: usize) -> Option<(usize, Effect)> {
        STOP.at(self.toks, i)
            .filter(|&(end, w)| self.when(w, end))
            .map(|(end, w)| {
                (
                    end,
                    if w == When::Keep {
                        Effect::Keep
                    } else {
                        Effect::Stop
                    },
                )
            })
    }

    /// The rest as text; symbols next to a consumed phrase go with it ("gạo, dưới 100k").
    pub(super) fn finish(mut self) -> Understood {
        let n = self.toks.len();
        let mut gone = self.used.clone();
        loop {
            let mut changed = false;
            for k in 0..n {
                let symbol = self.toks.get(k).is_some_and(|t| !t.word);
                let near =
                    (k > 0 && gone.get(k - 1) == Some(&true)) || gone.get(k + 1) == Some(&true);
                if symbol && near && gone.get(k) == Some(&false) {
                    gone[k] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        self.u.text = join(
            self.toks
                .iter()
                .enumerate()
                .filter(|(k, _)| gone.get(*k) == Some(&false)),
        );
        if self.offer_conflict {
            self.u.offer_kind = None;
            self.u.drop_slot(Slot::Offer);
        }
        self.u
    }
}
