//! Whole-dataset checks on the `small` scale.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

use ketnap_domain::dataset::{
    Batch, LocalityCommune, LocalityPopulation, LocalityService, PersonSpell, Table, UnitRow,
};
use ketnap_domain::locality::Locality;
use ketnap_domain::org::{
    ClosureRow, Lineage, OrgId, OrgName, ParentLink, PathSegment, Sector, Tree, closure_rows,
};
use ketnap_domain::person::{Person, StatusSpell, check_spells, validate_cccd};
use ketnap_domain::{Date, Period};

use super::*;

#[derive(Default)]
struct All {
    units: Vec<UnitRow>,
    names: Vec<OrgName>,
    links: Vec<ParentLink>,
    lineage: Vec<Lineage>,
    closure: Vec<ClosureRow>,
    localities: Vec<Locality>,
    communes: Vec<LocalityCommune>,
    population: Vec<LocalityPopulation>,
    service: Vec<LocalityService>,
    people: Vec<Person>,
    spells: Vec<PersonSpell>,
    cases: Vec<ketnap_domain::dataset::CaseRow>,
    events: Vec<ketnap_domain::dataset::CaseEventRow>,
    hash: u64,
    batches: usize,
}

fn collect(cfg: &Config) -> All {
    let mut all = All::default();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let counts = generate(cfg, |b: Batch| -> Result<(), ()> {
        serde_json::to_string(&b).unwrap_or_default().hash(&mut h);
        all.batches += 1;
        match b {
            Batch::OrgUnits(v) => all.units.extend(v),
            Batch::OrgNames(v) => all.names.extend(v),
            Batch::OrgLinks(v) => all.links.extend(v),
            Batch::OrgLineage(v) => all.lineage.extend(v),
            Batch::OrgClosure(v) => all.closure.extend(v),
            Batch::Localities(v) => all.localities.extend(v),
            Batch::LocalityCommunes(v) => all.communes.extend(v),
            Batch::LocalityPopulation(v) => all.population.extend(v),
            Batch::LocalityService(v) => all.service.extend(v),
            Batch::People(v) => all.people.extend(v),
            Batch::PersonStatus(v) => all.spells.extend(v),
            Batch::Cases(v) => all.cases.extend(v),
            Batch::CaseEvents(v) => all.events.extend(v),
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(counts.get(Table::Person), all.people.len() as u64);
    all.hash = h.finish();
    all
}

fn small() -> &'static All {
    static ALL: OnceLock<All> = OnceLock::new();
    ALL.get_or_init(|| collect(&Config::new(Scale::Small, 1)))
}

fn d(y: i32, m: u32, day: u32) -> Date {
    Date::from_ymd_opt(y, m, day).unwrap()
}

fn tree(all: &All) -> Tree {
    let mut t = Tree::new();
    for u in &all.units {
        t.insert_unit(u.unit.clone());
    }
    for l in &all.links {
        t.add_link(*l);
    }
    t
}

fn by_code(all: &All) -> HashMap<&str, &UnitRow> {
    all.units
        .iter()
        .map(|u| (u.unit.code.as_str(), u))
        .collect()
}

#[test]
fn same_seed_same_rows_other_seed_other_rows() {
    let a = small();
    let b = collect(&Config::new(Scale::Small, 1));
    assert_eq!(a.hash, b.hash);
    assert_eq!(a.people.len(), b.people.len());
    let c = collect(&Config::new(Scale::Small, 2));
    assert_ne!(a.hash, c.hash);
}

#[test]
fn small_is_small_but_complete() {
    let a = small();
    eprintln!(
        "units {} names {} links {} lineage {} closure {} localities {} people {} spells {} batches {}",
        a.units.len(),
        a.names.len(),
        a.links.len(),
        a.lineage.len(),
        a.closure.len(),
        a.localities.len(),
        a.people.len(),
        a.spells.len(),
        a.batches
    );
    assert!(
        (1_000..20_000).contains(&a.units.len()),
        "{}",
        a.units.len()
    );
    assert!(
        (5_000..50_000).contains(&a.people.len()),
        "{}",
        a.people.len()
    );
    let codes: HashSet<&str> = a.units.iter().map(|u| u.unit.code.as_str()).collect();
    assert_eq!(codes.len(), a.units.len(), "codes are unique");
    let lcodes: HashSet<&str> = a.localities.iter().map(|l| l.code.as_str()).collect();
    assert_eq!(
        lcodes.len(),
        a.localities.len(),
        "locality codes are unique"
    );
    for u in &a.units {
        ketnap_domain::org::check_code(&u.unit.code, "code").unwrap();
        ketnap_domain::org::check_name(&u.unit.name, "name").unwrap();
    }
}

#[test]
fn org_history_keeps_the_tree_invariants() {
    let a = small();
    let v = tree(a).check_invariants();
    assert!(v.is_empty(), "{:?}", &v[..v.len().min(10)]);
    // Names cover each unit's existence without overlap.
    let mut names: HashMap<OrgId, Vec<Period>> = HashMap::new();
    for n in &a.names {
        names.entry(n.unit).or_default().push(n.period);
    }
    for u in &a.units {
        let mut ps = names.remove(&u.unit.id).unwrap_or_default();
        ps.sort();
        assert_eq!(
            ps.first().map(|p| p.from),
            Some(u.unit.period.from),
            "{}",
            u.unit.code
        );
        assert_eq!(
            ps.last().map(|p| p.to),
            Some(u.unit.period.to),
            "{}",
            u.unit.code
        );
        for w in ps.windows(2) {
            assert!(w[0].meets(&w[1]), "{}", u.unit.code);
        }
    }
}

#[test]
fn closure_equals_recomputation() {
    let a = small();
    let units: Vec<(OrgId, Period)> = a.units.iter().map(|u| (u.unit.id, u.unit.period)).collect();
    let mut want = closure_rows(&units, &a.links, &HashMap::<OrgId, Vec<PathSegment>>::new());
    let mut got = a.closure.clone();
    want.sort();
    got.sort();
    assert_eq!(got.len(), want.len());
    assert!(got == want);
}

#[test]
fn heirs_follow_lineage() {
    let a = small();
    let t = tree(a);
    let mut tl = t.clone();
    tl.lineage = a.lineage.clone();
    let codes = by_code(a);
    for u in &a.units {
        assert_eq!(u.heir, tl.heir(u.unit.id), "{}", u.unit.code);
    }
    let id = |c: &str| codes[c].unit.id;
    assert_eq!(codes["X02698.L"].heir, Some(id("X02701")));
    assert_eq!(codes["X02692.L"].heir, Some(id("X02701")));
    assert_eq!(codes["H082"].heir, Some(id("T15")));
    assert_eq!(codes["T10.L"].heir, Some(id("T15")));
    assert_eq!(codes["T15.L"].heir, Some(id("T15")));
}

#[test]
fn a_lu_merger_and_the_2025_reform() {
    let a = small();
    let t = tree(a);
    let codes = by_code(a);
    let id = |c: &str| codes[c].unit.id;
    let on = d(2019, 12, 31);
    assert_eq!(t.parent_at(id("X02692.L"), on), Some(id("H082")));
    assert_eq!(t.parent_at(id("X02698.L"), on), Some(id("H082")));
    assert_eq!(t.name_at(id("X02698.L"), on), Some("Đảng bộ xã Ngải Thầu"));
    assert_eq!(t.parent_at(id("H082"), on), Some(id("T10.L")));
    // After the merger Ngải Thầu is gone and its branches sit under A Lù.
    let on = d(2020, 12, 31);
    assert!(!codes["X02698.L"].unit.period.contains(on));
    let moved: Vec<&ParentLink> = a
        .links
        .iter()
        .filter(|l| l.parent == id("X02692.L") && l.period.from == ALU_MERGER)
        .collect();
    assert!(!moved.is_empty());
    assert!(a.lineage.iter().any(|l| l.predecessor == id("X02698.L")
        && l.successor == id("X02692.L")
        && l.date == ALU_MERGER
        && l.primary));
    // 2025-12-31: no district level; communes directly under the new province.
    let on = d(2025, 12, 31);
    let present: Vec<&UnitRow> = a
        .units
        .iter()
        .filter(|u| u.unit.period.contains(on))
        .collect();
    assert!(present.iter().all(|u| u.unit.sector != Sector::District));
    assert!(present.iter().all(|u| !u.unit.code.ends_with(".L")));
    assert_eq!(t.parent_at(id("X02701"), on), Some(id("T15")));
    let communes = present
        .iter()
        .filter(|u| u.unit.sector.is_commune_level())
        .count();
    assert_eq!(communes, 99, "the 2025 Lào Cai has 99 communes");
    for u in present.iter().filter(|u| u.unit.sector.is_commune_level()) {
        assert_eq!(
            t.parent_at(u.unit.id, on),
            Some(id("T15")),
            "{}",
            u.unit.code
        );
    }
    // Y Tý received A Lù (whose branches include Ngải Thầu's).
    assert!(
        a.lineage
            .iter()
            .any(|l| l.predecessor == id("X02692.L") && l.successor == id("X02701"))
    );
    assert!(moved.iter().all(|l| {
        t.parent_at(l.child, on) == Some(id("X02701"))
            || !codes
                .values()
                .any(|u| u.unit.id == l.child && u.unit.period.contains(on))
    }));
    // 2019: two legacy provinces with their districts.
    let on = d(2019, 12, 31);
    let districts = a
        .units
        .iter()
        .filter(|u| u.unit.sector == Sector::District && u.unit.period.contains(on))
        .count();
    assert_eq!(districts, 18, "9 districts of Lào Cai and 9 of Yên Bái");
}

#[test]
fn every_cccd_validates_and_is_unique() {
    let a = small();
    let mut seen = HashSet::new();
    let mut with = 0;
    for p in &a.people {
        if let Some(c) = &p.cccd {
            with += 1;
            validate_cccd(c.expose(), p.sex, *p.birth_date.expose()).unwrap();
            assert!(seen.insert(c.expose().clone()), "CCCD issued twice");
        }
        p.validate(DEFAULT_UNTIL).unwrap();
    }
    assert!(with * 100 > a.people.len() * 95);
}

#[test]
fn spells_are_valid_and_sit_in_existing_branches() {
    let a = small();
    let units: HashMap<OrgId, &UnitRow> = a.units.iter().map(|u| (u.unit.id, u)).collect();
    let mut by_person: HashMap<i64, Vec<StatusSpell>> = HashMap::new();
    for s in &a.spells {
        by_person.entry(s.person).or_default().push(s.spell);
        if let Some(b) = s.spell.branch {
            let u = units[&b];
            assert!(u.unit.kind.holds_members(), "{}", u.unit.code);
            assert_eq!(
                s.spell.period.intersect(&u.unit.period),
                Some(s.spell.period),
                "spell {} outside {} {}",
                s.spell.period,
                u.unit.code,
                u.unit.period
            );
        }
    }
    assert_eq!(by_person.len(), a.people.len(), "everyone has a history");
    for (p, spells) in &by_person {
        if let Err(v) = check_spells(spells) {
            panic!("person {p}: {v} {spells:?}");
        }
    }
    // Members today, admissions per year.
    let today = DEFAULT_UNTIL;
    let members = a
        .spells
        .iter()
        .filter(|s| s.spell.status.is_member() && s.spell.period.contains(today))
        .count();
    let admitted_2024 = a
        .spells
        .iter()
        .filter(|s| {
            s.spell.status == ketnap_domain::person::PartyStatus::Probationary
                && s.spell.period.from.year() == 2024
        })
        .count();
    eprintln!("members today {members}, admitted in 2024 ≈ {admitted_2024}");
    assert!(members > 5_000);
    assert!(admitted_2024 > 100);
}

#[test]
fn localities_are_served_by_existing_branches() {
    let a = small();
    let units: HashMap<OrgId, &UnitRow> = a.units.iter().map(|u| (u.unit.id, u)).collect();
    let mut served: HashMap<(OrgId, Date), usize> = HashMap::new();
    let on = d(2024, 1, 1);
    for s in &a.service {
        let u = units[&s.branch];
        assert!(u.unit.kind.holds_members());
        assert_eq!(
            s.period.intersect(&u.unit.period),
            Some(s.period),
            "{}",
            u.unit.code
        );
        if s.period.contains(on) {
            *served.entry((s.branch, on)).or_default() += 1;
        }
    }
    assert!(served.values().all(|n| *n <= 3));
    assert!(served.values().any(|n| *n >= 2), "some combined branches");
    let with_branch: HashSet<i64> = a
        .service
        .iter()
        .filter(|s| s.period.contains(on))
        .map(|s| s.locality)
        .collect();
    let open: Vec<&Locality> = a
        .localities
        .iter()
        .filter(|l| l.period.contains(on))
        .collect();
    assert!(
        open.iter().any(|l| !with_branch.contains(&l.id)),
        "some localities have no branch"
    );
    for c in &a.communes {
        let u = units[&c.commune];
        ketnap_domain::locality::check_commune(&u.unit.code, u.unit.kind, u.unit.sector).unwrap();
        assert_eq!(
            c.period.intersect(&u.unit.period),
            Some(c.period),
            "{}",
            u.unit.code
        );
    }
    assert!(!a.population.is_empty());
    assert!(
        a.localities
            .iter()
            .any(|l| l.name.starts_with("Thôn ") || l.name.starts_with("Bản "))
    );
}

use chrono::Datelike;

/// Every generated case passes the domain's rules event by event, with the facts the store
/// would gather from the same data (birth date, education, branch kind, official members of the
/// branch, mentor and introducers' spells), and its row carries the store's projections.
#[test]
fn cases_are_rule_valid_and_projected() {
    use ketnap_domain::calendar::Calendar;
    use ketnap_domain::person::PartyStatus;
    use ketnap_domain::pipeline::projection::project;
    use ketnap_domain::pipeline::{
        CaseState, EventKind, Facts, Introducer, MemberFact, Stage, check,
    };
    let all = small();
    let cal = Calendar::shipped();
    assert!(all.cases.len() > 100, "{} cases", all.cases.len());
    let people: HashMap<i64, &Person> = all.people.iter().map(|p| (p.id, p)).collect();
    let kinds: HashMap<OrgId, ketnap_domain::org::OrgKind> =
        all.units.iter().map(|u| (u.unit.id, u.unit.kind)).collect();
    let mut spells: HashMap<i64, Vec<StatusSpell>> = HashMap::new();
    for s in &all.spells {
        spells.entry(s.person).or_default().push(s.spell);
    }
    let official_in = |p: i64, d: Date, b: Option<OrgId>| -> bool {
        spells.get(&p).is_some_and(|v| {
            v.iter().any(|s| {
                s.status == PartyStatus::Official
                    && s.period.contains(d)
                    && b.is_none_or(|b| s.branch == Some(b))
            })
        })
    };
    let mut events: HashMap<i64, Vec<ketnap_domain::pipeline::Event>> = HashMap::new();
    for e in &all.events {
        events.entry(e.case).or_default().push(e.event.clone());
    }
    let mut stages: HashMap<Stage, usize> = HashMap::new();
    let mut open_people = HashSet::new();
    for c in &all.cases {
        let evs = &events[&c.id];
        assert_eq!(c.version, evs.len() as i64);
        let p = people[&c.person];
        let mut state = CaseState::default();
        for e in evs {
            let mut f = Facts::new(kinds[&c.origin_branch]);
            f.birth_date = Some(p.birth_date);
            f.education = Some(p.education);
            f.youth_union_member = p.youth_union;
            if matches!(e.kind, EventKind::BranchVoted { .. }) {
                let n = all
                    .spells
                    .iter()
                    .filter(|s| {
                        s.spell.status == PartyStatus::Official
                            && s.spell.branch == Some(c.origin_branch)
                            && s.spell.period.contains(e.date)
                    })
                    .count();
                f.branch_official_members = Some(n as u32);
            }
            match &e.kind {
                EventKind::MentorAssigned { mentor } => {
                    let official = official_in(*mentor, e.date, Some(c.origin_branch));
                    f.people.insert(
                        *mentor,
                        MemberFact {
                            official,
                            official_since: None,
                        },
                    );
                }
                EventKind::Introduced {
                    introducer: Introducer::Member { person, .. },
                } => {
                    let official = official_in(*person, e.date, None);
                    f.people.insert(
                        *person,
                        MemberFact {
                            official,
                            official_since: None,
                        },
                    );
                }
                _ => {}
            }
            if let Err(r) = check(e, &state, &f, &cal) {
                panic!("case {} event {:?}: {:?}", c.id, e.kind, r);
            }
            state = state.apply(e.clone());
        }
        assert_eq!(
            c.projection,
            project(&state, c.origin_branch, c.opened_on, &cal),
            "case {}",
            c.id
        );
        assert!(c.projection.is_open, "case {}", c.id);
        assert!(
            open_people.insert(c.person),
            "two open cases for {}",
            c.person
        );
        *stages.entry(state.stage).or_default() += 1;
    }
    // A spread of stages, and recognitions due.
    for s in [
        Stage::Source,
        Stage::Verified,
        Stage::Introduced,
        Stage::Probationary,
    ] {
        assert!(stages.get(&s).is_some_and(|n| *n > 0), "{s:?}: {stages:?}");
    }
    // Every current candidate has a case.
    let last: HashMap<i64, &StatusSpell> =
        all.spells.iter().map(|s| (s.person, &s.spell)).collect();
    let candidates = last
        .values()
        .filter(|s| s.status == PartyStatus::Candidate && s.period.is_open())
        .count();
    let candidate_cases = all
        .cases
        .iter()
        .filter(|c| c.projection.stage < Stage::Probationary)
        .count();
    assert_eq!(candidates, candidate_cases);
}
