//! People of a province: the members on 1/1/2016, the yearly admissions (candidate → probationary
//! → official after 12 months), candidates in the source lists, and what happens to them
//! (moves, retirement to a residence branch, transfers out, removals, deaths), as dated status
//! spells that follow their branch through mergers.

use std::collections::HashMap;

use ketnap_domain::Date;
use ketnap_domain::dataset::PersonSpell;
use ketnap_domain::dates::Period;
use ketnap_domain::org::{OrgId, Sector};
use ketnap_domain::person::cccd::{PROVINCE_CODES, sex_century_digit};
use ketnap_domain::person::{
    EthnicGroup, GeneralEducation, Occupation, PartyStatus, Person, PoliticalTheory,
    ProfessionalQualification, Religion, Sex, StatusSpell,
};
use ketnap_domain::sensitive::Sensitive;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::names::PersonNames;
use crate::regions::Region;
use crate::structure::{BranchMeta, Ctx, Group};
use crate::{Ids, START, add_days, rand_date};

/// Admissions per year, as a share of a branch's size (≈200.000 a year for 5,6 million).
const ADMISSION_RATE: f64 = 0.036;
/// Members on 1/1/2016, as a share of a branch's size in 2026.
const INITIAL_SHARE: f64 = 0.88;
/// People per emitted batch.
const BATCH: usize = 4000;

/// Unique CCCD serials per (province, sex/century digit, birth year).
#[derive(Debug, Default)]
pub struct CccdSerials {
    next: HashMap<u32, u32>,
    salt: u64,
}

impl CccdSerials {
    pub fn new(seed: u64) -> Self {
        Self {
            next: HashMap::new(),
            salt: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5DEE_CE66,
        }
    }

    /// A CCCD that validates for the sex and birth date, never given twice.
    pub fn issue(&mut self, province: &str, sex: Sex, birth: Date) -> Option<String> {
        use chrono::Datelike;
        let year = birth.year();
        let d4 = sex_century_digit(sex, year)?;
        let p: u32 = province.parse().ok()?;
        let yy = year.rem_euclid(100) as u32;
        let key = p * 10_000 + u32::from(d4) * 100 + yy;
        let k = self.next.entry(key).or_insert(0);
        if *k >= 1_000_000 {
            return None;
        }
        let offset = (self.salt ^ u64::from(key).wrapping_mul(0x2545_F491_4F6C_DD1D)) % 1_000_000;
        // 612 937 is coprime with 10^6: k ↦ serial is a bijection on 0..10^6.
        let serial = (u64::from(*k) * 612_937 + offset) % 1_000_000;
        *k += 1;
        Some(format!("0{province}{d4}{yy:02}{serial:06}"))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    /// A member on 1/1/2016 (admitted before).
    Initial,
    /// Candidate from this date, admitted later.
    Candidate,
    /// Transferred in as an official member when a branch was founded.
    Founder,
}

#[derive(Clone, Copy, Debug)]
enum Ev {
    Status(PartyStatus),
    Exit(PartyStatus),
    Move(OrgId),
}

pub struct PeopleGen<'a> {
    pub names: &'a PersonNames,
    pub ids: &'a mut Ids,
    pub cccd: &'a mut CccdSerials,
    pub rng: ChaCha8Rng,
    pub until: Date,
    g: &'a Group,
    bidx: HashMap<OrgId, usize>,
    size: Vec<f64>,
    people: Vec<Person>,
    spells: Vec<PersonSpell>,
}

fn years(a: Date, b: Date) -> f64 {
    (b - a).num_days() as f64 / 365.25
}

/// Rounds `x` up or down at random so that the expectation is `x`.
fn stochastic_round(rng: &mut ChaCha8Rng, x: f64) -> usize {
    let f = x.floor();
    let extra = usize::from(rng.random::<f64>() < x - f);
    f.max(0.0) as usize + extra
}

/// Annual probability of death at `age`.
fn death_rate(age: f64) -> f64 {
    (-9.8 + 0.088 * age).exp().min(0.35)
}

fn workplace(s: Sector) -> bool {
    !matches!(
        s,
        Sector::Village | Sector::ResidentialGroup | Sector::Cooperative
    )
}

impl<'a> PeopleGen<'a> {
    pub fn new(
        g: &'a Group,
        names: &'a PersonNames,
        ids: &'a mut Ids,
        cccd: &'a mut CccdSerials,
        rng: ChaCha8Rng,
        until: Date,
        members_target: f64,
    ) -> Self {
        let bidx: HashMap<OrgId, usize> = g
            .branches
            .iter()
            .enumerate()
            .map(|(i, b)| (b.id, i))
            .collect();
        // Scale the branches' weights to the province's member total, and give branches created
        // to receive merged ones the size of their predecessors.
        let own: f64 = g
            .branches
            .iter()
            .filter(|b| !b.inherits)
            .map(|b| b.weight)
            .sum();
        let s = if own > 0.0 { members_target / own } else { 0.0 };
        let mut size = vec![0.0; g.branches.len()];
        let mut from_preds: HashMap<OrgId, f64> = HashMap::new();
        for (i, b) in g.branches.iter().enumerate() {
            size[i] = if b.inherits {
                from_preds.get(&b.id).copied().unwrap_or(0.0)
            } else {
                b.weight * s
            };
            if let Some(succ) = b.successor {
                *from_preds.entry(succ).or_default() += size[i];
            }
        }
        Self {
            names,
            ids,
            cccd,
            rng,
            until,
            g,
            bidx,
            size,
            people: vec![],
            spells: vec![],
        }
    }

    fn meta(&self, id: OrgId) -> Option<&'a BranchMeta> {
        let g: &'a Group = self.g;
        self.bidx.get(&id).map(|&i| &g.branches[i])
    }

    fn exists(&self, id: OrgId, d: Date) -> bool {
        self.meta(id)
            .is_some_and(|m| m.start <= d && m.end.is_none_or(|e| d < e))
    }

    /// Generates everyone, handing out `(people, spells)` batches.
    pub fn run<E>(
        mut self,
        emit: &mut dyn FnMut(Vec<Person>, Vec<PersonSpell>) -> Result<(), E>,
    ) -> Result<(), E> {
        for i in 0..self.g.branches.len() {
            self.branch(i);
            if self.people.len() >= BATCH {
                let p = std::mem::take(&mut self.people);
                let s = std::mem::take(&mut self.spells);
                emit(p, s)?;
            }
        }
        if !self.people.is_empty() {
            let p = std::mem::take(&mut self.people);
            let s = std::mem::take(&mut self.spells);
            emit(p, s)?;
        }
        Ok(())
    }

    fn branch(&mut self, i: usize) {
        let g: &'a Group = self.g;
        let b = &g.branches[i];
        let size = self.size[i];
        let until = self.until;
        if b.start >= until {
            return;
        }
        if !b.inherits {
            if b.start == START {
                let jitter = self.rng.random_range(0.85..1.15);
                let n = stochastic_round(&mut self.rng, size * INITIAL_SHARE * jitter);
                for _ in 0..n {
                    self.person(b, Entry::Initial, START, None);
                }
            } else {
                let n = self.rng.random_range(3..=5);
                for _ in 0..n {
                    self.person(b, Entry::Founder, b.start, None);
                }
            }
        }
        // Admissions during the branch's own existence (afterwards its successor admits).
        let from = add_days(b.start.max(START), 30);
        let to = b.end.unwrap_or(until).min(until);
        if from < to {
            let expected = size * ADMISSION_RATE * years(from, to);
            let n = stochastic_round(&mut self.rng, expected);
            for _ in 0..n {
                let adm = rand_date(&mut self.rng, from, to);
                let lead = self.rng.random_range(120..540);
                let cand = add_days(adm, -lead).max(b.start).max(START);
                self.person(b, Entry::Candidate, cand, Some(adm));
            }
            // Candidates who leave the source list without being admitted.
            let dropped = stochastic_round(&mut self.rng, expected * 0.12);
            for _ in 0..dropped {
                let cand = rand_date(&mut self.rng, b.start.max(START), to);
                self.person(b, Entry::Candidate, cand, None);
            }
        }
        // The source list today.
        if b.end.is_none() {
            let n = stochastic_round(&mut self.rng, size * ADMISSION_RATE * 1.1);
            let lo = b.start.max(add_days(until, -540));
            for _ in 0..n {
                let cand = rand_date(&mut self.rng, lo, until);
                self.person(b, Entry::Candidate, cand, Some(add_days(until, 1000)));
            }
        }
    }

    /// One person entering branch `b` on `t0`; `admission` for candidates who will be (or may
    /// be: a date after `until`) admitted, `None` for candidates who drop out.
    fn person(&mut self, b: &BranchMeta, entry: Entry, t0: Date, admission: Option<Date>) {
        if t0 >= self.until {
            return;
        }
        let g: &'a Group = self.g;
        let ctx = &g.ctxs[b.ctx.min(g.ctxs.len().saturating_sub(1))];
        let rng = &mut self.rng;
        let new_member = entry != Entry::Initial;
        // Age on entry.
        let pupil = b.thpt && new_member && rng.random_bool(0.35);
        let age: f64 = match entry {
            _ if pupil => rng.random_range(18.0..18.9),
            Entry::Initial if !workplace(b.sector) => {
                let (lo, hi) = pick(
                    rng,
                    &[
                        ((22.0, 30.0), 0.12),
                        ((30.0, 40.0), 0.16),
                        ((40.0, 50.0), 0.17),
                        ((50.0, 60.0), 0.18),
                        ((60.0, 70.0), 0.18),
                        ((70.0, 80.0), 0.13),
                        ((80.0, 92.0), 0.06),
                    ],
                );
                rng.random_range(lo..hi)
            }
            Entry::Initial | Entry::Founder => {
                let a: f64 = rng.random_range(0.0..1.0);
                23.0 + 37.0 * a.powf(1.3)
            }
            Entry::Candidate => {
                if matches!(b.sector, Sector::Military | Sector::BorderGuard) {
                    rng.random_range(19.0..27.0)
                } else {
                    let x: f64 = rng.random();
                    if x < 0.1 {
                        rng.random_range(18.0..22.0)
                    } else if x < 0.6 {
                        rng.random_range(22.0..30.0)
                    } else if x < 0.88 {
                        rng.random_range(30.0..40.0)
                    } else {
                        rng.random_range(40.0..55.0)
                    }
                }
            }
        };
        let birth = add_days(t0, -((age * 365.25) as i64) - rng.random_range(0..365));
        use chrono::Datelike;
        let birth_year = birth.year();
        let p_female = match (b.sector, new_member) {
            (Sector::Village | Sector::ResidentialGroup, false) => 0.3,
            (Sector::Village | Sector::ResidentialGroup, true) => 0.5,
            (Sector::School, _) => 0.72,
            (Sector::Health, _) => 0.65,
            (Sector::Military | Sector::BorderGuard, _) => 0.06,
            (Sector::Police, _) => 0.13,
            (Sector::Agency, false) => 0.38,
            (Sector::Agency, true) => 0.5,
            (_, false) => 0.33,
            (_, true) => 0.45,
        };
        let female = rng.random_bool(p_female);
        let sex = if female { Sex::Female } else { Sex::Male };
        let ethnic = ctx.ethnic.pick(rng).unwrap_or(1);
        let religion = religion(rng, ctx, ethnic);
        let minority = ethnic != 1;
        let mountain = matches!(ctx.region, Region::NorthMountain | Region::Highlands);
        let education = if pupil {
            GeneralEducation::UpperSecondary
        } else {
            let (upper, lower) = match (entry, birth_year) {
                (Entry::Initial, y) if y < 1960 => (0.45, 0.4),
                (Entry::Initial, _) => (0.75, 0.2),
                _ if minority && mountain => (0.74, 0.21),
                _ => (0.86, 0.13),
            };
            let x: f64 = rng.random();
            if x < upper {
                GeneralEducation::UpperSecondary
            } else if x < upper + lower {
                GeneralEducation::LowerSecondary
            } else {
                GeneralEducation::Primary
            }
        };
        use ProfessionalQualification as Q;
        let qualification = if pupil {
            Q::None
        } else {
            let table: &[(Q, f64)] = match b.sector {
                Sector::Agency | Sector::School | Sector::Health | Sector::PublicService => &[
                    (Q::University, 0.68),
                    (Q::Master, 0.1),
                    (Q::Doctorate, 0.01),
                    (Q::College, 0.13),
                    (Q::Intermediate, 0.08),
                ],
                Sector::Military | Sector::Police | Sector::BorderGuard => &[
                    (Q::University, 0.45),
                    (Q::Master, 0.05),
                    (Q::College, 0.1),
                    (Q::Intermediate, 0.35),
                    (Q::Elementary, 0.05),
                ],
                Sector::PrivateEnterprise | Sector::StateEnterprise => &[
                    (Q::University, 0.35),
                    (Q::College, 0.2),
                    (Q::Intermediate, 0.2),
                    (Q::None, 0.25),
                ],
                _ if new_member => &[
                    (Q::None, 0.5),
                    (Q::Elementary, 0.1),
                    (Q::Intermediate, 0.12),
                    (Q::College, 0.1),
                    (Q::University, 0.18),
                ],
                _ => &[
                    (Q::None, 0.6),
                    (Q::Elementary, 0.12),
                    (Q::Intermediate, 0.12),
                    (Q::College, 0.06),
                    (Q::University, 0.1),
                ],
            };
            pick(rng, table)
        };
        use PoliticalTheory as P;
        let political: &[(P, f64)] = match (entry, b.sector) {
            (Entry::Candidate, _) => &[(P::None, 0.92), (P::Elementary, 0.08)],
            (_, Sector::Agency) => &[
                (P::None, 0.1),
                (P::Elementary, 0.4),
                (P::Intermediate, 0.4),
                (P::Advanced, 0.1),
            ],
            _ => &[(P::None, 0.4), (P::Elementary, 0.5), (P::Intermediate, 0.1)],
        };
        let political_theory = pick(rng, political);
        use Occupation as O;
        let occupation = if pupil {
            O::PupilStudent
        } else {
            let table: &[(O, f64)] = match b.sector {
                Sector::Agency => &[(O::CivilServant, 1.0)],
                Sector::School | Sector::Health | Sector::PublicService => {
                    &[(O::PublicEmployee, 1.0)]
                }
                Sector::Military | Sector::Police | Sector::BorderGuard => &[(O::ArmedForces, 1.0)],
                Sector::PrivateEnterprise | Sector::Cooperative => {
                    &[(O::PrivateEconomic, 0.7), (O::Worker, 0.3)]
                }
                Sector::StateEnterprise => &[(O::Worker, 0.6), (O::Other, 0.4)],
                Sector::ResidentialGroup => &[
                    (O::Other, 0.4),
                    (O::PrivateEconomic, 0.25),
                    (O::Worker, 0.15),
                    (O::Militia, 0.05),
                    (O::Farmer, 0.05),
                    (O::PupilStudent, 0.02),
                ],
                _ => &[
                    (O::Farmer, 0.6),
                    (O::PrivateEconomic, 0.08),
                    (O::Worker, 0.08),
                    (O::Militia, 0.07),
                    (O::Other, 0.15),
                    (O::PupilStudent, 0.02),
                ],
            };
            pick(rng, table)
        };
        let youth_union = age <= 30.0 && rng.random_bool(0.85);
        let residence = if ctx.residences.is_empty() {
            None
        } else {
            Some(ctx.residences[rng.random_range(0..ctx.residences.len())])
        };
        let province = if rng.random_bool(0.85) {
            ctx.province
        } else {
            PROVINCE_CODES[rng.random_range(0..PROVINCE_CODES.len())]
        };
        let full_name = self
            .names
            .full_name(&mut self.rng, ethnic, female, birth_year, ctx.region);
        let cccd = if self.rng.random_bool(0.99) {
            self.cccd.issue(province, sex, birth)
        } else {
            None
        };
        let id = self.ids.next_person();

        // The person's story.
        let mut events: Vec<(Date, Ev)> = vec![];
        let (status0, member_from) = match entry {
            Entry::Initial => {
                // A few were admitted in 2015 and are still on probation.
                if self.rng.random_bool(0.03) {
                    let off = add_days(START, self.rng.random_range(1..365));
                    events.push((off, Ev::Status(PartyStatus::Official)));
                    (PartyStatus::Probationary, START)
                } else {
                    (PartyStatus::Official, START)
                }
            }
            Entry::Founder => (PartyStatus::Official, t0),
            Entry::Candidate => match admission {
                Some(adm) if adm < self.until => {
                    events.push((adm, Ev::Status(PartyStatus::Probationary)));
                    let due = add_days(adm, 365 + self.rng.random_range(0..45));
                    if self.rng.random_bool(0.985) {
                        events.push((due, Ev::Status(PartyStatus::Official)));
                    } else {
                        events.push((due, Ev::Exit(PartyStatus::Removed)));
                    }
                    (PartyStatus::Candidate, adm)
                }
                Some(_) => (PartyStatus::Candidate, self.until),
                None => {
                    let out = add_days(t0, self.rng.random_range(60..400));
                    let st = if self.rng.random_bool(0.6) {
                        PartyStatus::TransferredOut
                    } else {
                        PartyStatus::Removed
                    };
                    events.push((out, Ev::Exit(st)));
                    (PartyStatus::Candidate, self.until)
                }
            },
        };
        // Hazards while a member: death, transfer out, removal; moves within the province.
        let mut y0 = member_from;
        let retire_at = add_days(
            birth,
            (60.25 * 365.25) as i64 + self.rng.random_range(0..200),
        );
        let mut retired = !workplace(b.sector) || retire_at <= t0;
        while y0 < self.until {
            let y1 = add_days(y0, 365).min(self.until);
            let frac = years(y0, y1);
            let a = years(birth, y0);
            if !retired && retire_at < y1 && retire_at > y0 && !ctx.villages.is_empty() {
                retired = true;
                let v = ctx.villages[self.rng.random_range(0..ctx.villages.len())];
                events.push((retire_at, Ev::Move(v)));
            }
            let p_death = death_rate(a) * frac;
            let p_out = if a < 60.0 { 0.008 * frac } else { 0.001 * frac };
            let p_rem = 0.0015 * frac;
            let x: f64 = self.rng.random();
            let at = rand_date(&mut self.rng, y0, y1);
            if x < p_death {
                events.push((at, Ev::Exit(PartyStatus::Deceased)));
                break;
            } else if x < p_death + p_out {
                events.push((at, Ev::Exit(PartyStatus::TransferredOut)));
                break;
            } else if x < p_death + p_out + p_rem {
                events.push((at, Ev::Exit(PartyStatus::Removed)));
                break;
            }
            if self.rng.random_bool(0.004 * frac) && !g.branches.is_empty() {
                let t = g.branches[self.rng.random_range(0..g.branches.len())].id;
                events.push((rand_date(&mut self.rng, y0, y1), Ev::Move(t)));
            }
            y0 = y1;
        }
        events.retain(|(d, _)| *d > t0 && *d < self.until);
        events.sort_by_key(|(d, _)| *d);
        let spells = self.spells_for(b.id, t0, status0, &events);

        self.people.push(Person {
            id,
            cccd: cccd.map(Sensitive::new),
            full_name,
            sex,
            birth_date: Sensitive::new(birth),
            ethnic_group: Sensitive::new(
                EthnicGroup::parse(&format!("{ethnic:02}")).unwrap_or_default(),
            ),
            religion: Sensitive::new(religion),
            education,
            qualification,
            political_theory,
            occupation,
            youth_union,
            residence_locality: residence,
        });
        for spell in spells {
            self.spells.push(PersonSpell { person: id, spell });
        }
    }

    /// Spells from the events, following the branch through its successors when it ends.
    fn spells_for(
        &self,
        branch: OrgId,
        t0: Date,
        status0: PartyStatus,
        events: &[(Date, Ev)],
    ) -> Vec<StatusSpell> {
        let mut out: Vec<StatusSpell> = vec![];
        let mut status = status0;
        let mut cur = Some(branch);
        let mut since = t0;
        let push = |out: &mut Vec<StatusSpell>, status, branch, from: Date, to: Option<Date>| {
            if to.is_none_or(|t| t > from) {
                out.push(StatusSpell {
                    status,
                    branch,
                    period: Period { from, to },
                });
            }
        };
        // Follows branch ends up to `d`; false when the person left (branch dissolved).
        let follow = |out: &mut Vec<StatusSpell>,
                      cur: &mut Option<OrgId>,
                      since: &mut Date,
                      status: PartyStatus,
                      d: Date|
         -> bool {
            for _ in 0..16 {
                let Some(b) = *cur else { return false };
                let Some(m) = self.meta(b) else { return false };
                match m.end {
                    Some(e) if e <= d => {
                        push(out, status, Some(b), *since, Some(e));
                        *since = e;
                        match m.successor {
                            Some(s) => *cur = Some(s),
                            None => {
                                push(out, PartyStatus::TransferredOut, None, e, None);
                                *cur = None;
                                return false;
                            }
                        }
                    }
                    _ => return true,
                }
            }
            true
        };
        for &(d, ev) in events {
            if !follow(&mut out, &mut cur, &mut since, status, d) {
                return out;
            }
            match ev {
                Ev::Status(s) => {
                    push(&mut out, status, cur, since, Some(d));
                    since = since.max(d);
                    status = s;
                }
                Ev::Exit(s) => {
                    push(&mut out, status, cur, since, Some(d));
                    push(&mut out, s, None, d.max(since), None);
                    return out;
                }
                Ev::Move(t) => {
                    if Some(t) != cur && self.exists(t, d) && status.needs_branch() {
                        push(&mut out, status, cur, since, Some(d));
                        since = since.max(d);
                        cur = Some(t);
                    }
                }
            }
        }
        if follow(&mut out, &mut cur, &mut since, status, self.until) {
            push(&mut out, status, cur, since, None);
        }
        out
    }
}

/// Draws from a small weighted table (weights need not sum to 1).
fn pick<T: Copy>(rng: &mut ChaCha8Rng, table: &[(T, f64)]) -> T {
    let total: f64 = table.iter().map(|x| x.1).sum();
    let mut x = rng.random::<f64>() * total;
    for (t, w) in table {
        if x < *w {
            return *t;
        }
        x -= w;
    }
    table[table.len() - 1].0
}

fn religion(rng: &mut ChaCha8Rng, ctx: &Ctx, ethnic: u8) -> Religion {
    if ethnic == 5 {
        return if rng.random_bool(0.5) {
            Religion::Buddhism
        } else {
            Religion::None
        };
    }
    let r = ctx.religions;
    let minority_upland =
        ethnic != 1 && matches!(ctx.region, Region::NorthMountain | Region::Highlands);
    let protestant = if minority_upland {
        r.protestant * 2.5
    } else {
        r.protestant * 0.3
    };
    let buddhist = if ethnic == 4 {
        r.buddhist + 20.0
    } else {
        r.buddhist
    };
    let list = [
        (Religion::Catholic, r.catholic),
        (Religion::Protestant, protestant),
        (Religion::Buddhism, buddhist),
        (Religion::CaoDai, r.cao_dai),
        (Religion::HoaHao, r.hoa_hao),
        (Religion::Other, r.other),
    ];
    let total: f64 = list.iter().map(|x| x.1).sum();
    // Members declare a religion far less often than the population does.
    if !rng.random_bool((total / 100.0 * 0.15).clamp(0.0, 0.5)) {
        return Religion::None;
    }
    pick(rng, &list)
}
