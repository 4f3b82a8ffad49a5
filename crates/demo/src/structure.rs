//! The organization structure of one 2025 province over 2016–2026: its legacy provinces with
//! their districts, communes, branches and localities, the A Lù + Ngải Thầu merger (3/2020), and
//! the reform of 1/7/2025 (districts dissolved, communes merged, provinces merged). Codes follow
//! `docs/demo-data.md`.

use std::collections::HashMap;

use chrono::Datelike;
use ketnap_domain::Date;
use ketnap_domain::dates::Period;
use ketnap_domain::locality::{Locality, LocalityId, LocalityKind};
use ketnap_domain::org::{LineageKind, OrgId, OrgKind, Sector};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::data::{RefData, Unit};
use crate::history::History;
use crate::names::{VillageStyle, Weighted, branch_name_for, enterprise_name};
use crate::regions::{Profile, Region, Religions, profile};
use crate::{
    ALU_MERGER, CQ_RENAME, Codes, DemoError, Ids, Params, REFORM, START, add_days, rand_date,
};

/// A member-holding unit as the people generator needs it.
#[derive(Clone, Debug)]
pub struct BranchMeta {
    pub id: OrgId,
    pub start: Date,
    pub end: Option<Date>,
    /// Where its members continue when it ends (`None`: they transfer out).
    pub successor: Option<OrgId>,
    pub sector: Sector,
    /// Relative size (before scaling to the province's member total).
    pub weight: f64,
    /// Created to receive merged branches: its members come from its predecessors.
    pub inherits: bool,
    pub ctx: usize,
    /// An upper-secondary school (pupils may be admitted).
    pub thpt: bool,
}

/// A locality with its dated facts.
#[derive(Clone, Debug)]
pub struct LocRec {
    pub loc: Locality,
    pub communes: Vec<(OrgId, Period)>,
    pub service: Vec<(OrgId, Period)>,
    /// Population in 2025 (residential localities), for yearly figures.
    pub base_population: i64,
    /// Residential localities merged into this one, with the merger year.
    pub absorbed: Vec<(i32, i64)>,
}

/// Who the people of a unit are: birth province, region, ethnic and religion mix, residences.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// Legacy province code (CCCD digits 2–3).
    pub province: &'static str,
    pub region: Region,
    pub ethnic: Weighted<u8>,
    pub religions: Religions,
    pub residences: Vec<LocalityId>,
    /// Village branches, where retired members continue.
    pub villages: Vec<OrgId>,
}

/// A movable branch of a commune and the localities it serves.
#[derive(Clone, Debug)]
struct Movable {
    branch: OrgId,
    locs: Vec<usize>,
}

/// A legacy commune (or the residential committee of an island district) while it is built.
#[derive(Clone, Debug)]
struct CommuneState {
    id: OrgId,
    ctx: usize,
    movable: Vec<Movable>,
    /// Localities not served by a movable branch.
    loose: Vec<usize>,
    agency: OrgId,
    military: OrgId,
    police: Option<OrgId>,
    targets: Vec<&'static str>,
}

#[derive(Clone, Copy, Debug)]
struct NewCommune {
    id: OrgId,
    party: Option<OrgId>,
    gov: Option<OrgId>,
    military: Option<OrgId>,
    police: Option<OrgId>,
}

/// A commune to build: code, name, type, short name, 2025 targets, population, GSO code.
type CommuneSpec = (
    String,
    String,
    &'static str,
    &'static str,
    Vec<&'static str>,
    f64,
    &'static str,
);

/// A unit to create under a provincial direct committee: committee kind, role, name template,
/// kind, sector, names of its branches.
type RoleSpec = (
    &'static str,
    &'static str,
    String,
    OrgKind,
    Sector,
    Vec<String>,
);

/// A unit under a provincial direct committee, matched by `role` across merged provinces.
#[derive(Clone, Debug)]
struct RoleUnit {
    dc: &'static str,
    role: String,
    id: OrgId,
    kind: OrgKind,
    sector: Sector,
    /// Name with `{P}` for "tỉnh Lào Cai" and `{S}` for "Lào Cai".
    template: String,
    weight: f64,
}

struct DistrictState {
    id: OrgId,
    ctx: usize,
    party: Option<(OrgId, Vec<OrgId>)>,
    gov: Option<(OrgId, Vec<OrgId>)>,
    military: Option<OrgId>,
    police: Option<OrgId>,
    /// Grassroots organizations that move under the provincial agencies' committee in 2025.
    to_agencies: Vec<OrgId>,
    communes: Vec<usize>,
    short: &'static str,
}

/// Everything built for one 2025 province.
pub struct Group {
    pub h: History,
    pub branches: Vec<BranchMeta>,
    pub locs: Vec<LocRec>,
    pub ctxs: Vec<Ctx>,
    /// The legacy provinces of the group (codes).
    pub legacy: Vec<&'static str>,
}

pub struct Builder<'a> {
    pub ids: &'a mut Ids,
    pub codes: &'a mut Codes,
    pub data: &'a RefData,
    pub params: &'a Params,
    pub rng: ChaCha8Rng,
    pub tw: OrgId,
    g: Group,
    bidx: HashMap<OrgId, usize>,
    communes: Vec<CommuneState>,
    new_communes: HashMap<&'static str, NewCommune>,
}

const SO: &[(&str, bool, Sector)] = &[
    ("Văn phòng UBND {P}", true, Sector::Agency),
    ("Sở Tài chính {P}", true, Sector::Agency),
    ("Sở Giáo dục và Đào tạo {P}", true, Sector::Agency),
    ("Sở Y tế {P}", true, Sector::Agency),
    ("Bệnh viện Đa khoa {P}", true, Sector::Health),
    (
        "Sở Nông nghiệp và Phát triển nông thôn {P}",
        true,
        Sector::Agency,
    ),
    ("Kho bạc Nhà nước {P}", true, Sector::Agency),
    ("Cục Thuế {P}", true, Sector::Agency),
    ("Văn phòng Tỉnh ủy {S}", false, Sector::Agency),
    ("Sở Nội vụ {P}", false, Sector::Agency),
    ("Sở Kế hoạch và Đầu tư {P}", false, Sector::Agency),
    ("Sở Tư pháp {P}", false, Sector::Agency),
    ("Sở Tài nguyên và Môi trường {P}", true, Sector::Agency),
    ("Sở Xây dựng {P}", false, Sector::Agency),
    ("Sở Giao thông vận tải {P}", true, Sector::Agency),
    ("Sở Công Thương {P}", false, Sector::Agency),
    (
        "Sở Lao động - Thương binh và Xã hội {P}",
        true,
        Sector::Agency,
    ),
    ("Sở Văn hóa, Thể thao và Du lịch {P}", true, Sector::Agency),
    ("Sở Khoa học và Công nghệ {P}", false, Sector::Agency),
    ("Sở Thông tin và Truyền thông {P}", false, Sector::Agency),
    ("Thanh tra {P}", false, Sector::Agency),
    ("Ban Dân tộc {P}", false, Sector::Agency),
    ("Bảo hiểm xã hội {P}", true, Sector::Agency),
    ("Trường Chính trị {P}", false, Sector::School),
    ("Báo {S}", false, Sector::PublicService),
    (
        "Đài Phát thanh và Truyền hình {P}",
        false,
        Sector::PublicService,
    ),
    ("Trường Cao đẳng Sư phạm {S}", false, Sector::School),
];

const SO_BRANCHES: &[&str] = &[
    "Chi bộ Văn phòng",
    "Chi bộ Phòng Tổ chức - Hành chính",
    "Chi bộ Phòng Kế hoạch - Tài chính",
    "Chi bộ Phòng Nghiệp vụ",
    "Chi bộ Thanh tra",
    "Chi bộ Trung tâm Dịch vụ",
];
const HOSPITAL_BRANCHES: &[&str] = &[
    "Chi bộ Khối Nội",
    "Chi bộ Khối Ngoại",
    "Chi bộ Khối Cận lâm sàng",
    "Chi bộ Phòng chức năng",
    "Chi bộ Khoa Sản - Nhi",
];
const GOV_BRANCHES: &[&str] = &[
    "Chi bộ Văn phòng HĐND - UBND",
    "Chi bộ Phòng Tài chính - Kế hoạch",
    "Chi bộ Phòng Giáo dục và Đào tạo",
    "Chi bộ Phòng Nội vụ",
    "Chi bộ Phòng Nông nghiệp và PTNT",
    "Chi bộ Phòng Tài nguyên và Môi trường",
    "Chi bộ Phòng Kinh tế - Hạ tầng",
    "Chi bộ Phòng Lao động - TB&XH",
    "Chi bộ Phòng Văn hóa - Thông tin",
    "Chi bộ Thanh tra",
];
const PARTY_BRANCHES: &[&str] = &[
    "Chi bộ Văn phòng Huyện ủy",
    "Chi bộ Ban Tổ chức - Ủy ban Kiểm tra",
    "Chi bộ Ban Tuyên giáo - Dân vận",
    "Chi bộ Mặt trận - Đoàn thể",
];

fn label(u: &Unit) -> String {
    format!("{} {}", u.kind, u.short)
}

fn commune_sector(kind: &str) -> Sector {
    match kind {
        "phường" => Sector::Ward,
        "thị trấn" => Sector::Township,
        "đặc khu" => Sector::SpecialZone,
        _ => Sector::Commune,
    }
}

impl<'a> Builder<'a> {
    pub fn new(
        ids: &'a mut Ids,
        codes: &'a mut Codes,
        data: &'a RefData,
        params: &'a Params,
        rng: ChaCha8Rng,
        tw: OrgId,
    ) -> Self {
        Self {
            ids,
            codes,
            data,
            params,
            rng,
            tw,
            g: Group {
                h: History::default(),
                branches: vec![],
                locs: vec![],
                ctxs: vec![],
                legacy: vec![],
            },
            bidx: HashMap::new(),
            communes: vec![],
            new_communes: HashMap::new(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn unit(
        &mut self,
        code: String,
        name: String,
        kind: OrgKind,
        sector: Sector,
        parent: Option<OrgId>,
        from: Date,
    ) -> Result<OrgId, DemoError> {
        self.codes.take(&code)?;
        let id = self.ids.next_org();
        self.g.h.create(id, code, name, kind, sector, parent, from);
        Ok(id)
    }

    /// A member-holding unit (chi bộ) with its people metadata.
    #[allow(clippy::too_many_arguments)]
    fn branch(
        &mut self,
        prefix: &str,
        name: String,
        kind: OrgKind,
        sector: Sector,
        parent: OrgId,
        from: Date,
        weight: f64,
        ctx: usize,
        thpt: bool,
        inherits: bool,
    ) -> Result<OrgId, DemoError> {
        let code = self.codes.next(prefix);
        let id = self.unit(code, name, kind, sector, Some(parent), from)?;
        self.bidx.insert(id, self.g.branches.len());
        self.g.branches.push(BranchMeta {
            id,
            start: from,
            end: None,
            successor: None,
            sector,
            weight,
            inherits,
            ctx,
            thpt,
        });
        Ok(id)
    }

    /// Ends a branch on `at`; its members continue in `successor` (lineage: merge).
    fn end_branch(&mut self, id: OrgId, at: Date, successor: Option<OrgId>) {
        self.g.h.close(id, at);
        if let Some(&i) = self.bidx.get(&id) {
            self.g.branches[i].end = Some(at);
            self.g.branches[i].successor = successor;
        }
        if let Some(s) = successor {
            self.g.h.add_lineage(id, s, at, LineageKind::Merge, true);
        }
    }

    /// Closes `old` on `at` into `new` (lineage), moving its remaining subordinate units.
    fn merge_into(&mut self, old: OrgId, new: OrgId, at: Date, kind: LineageKind, primary: bool) {
        for c in self.g.h.children(old) {
            self.g.h.move_to(c, new, at);
        }
        if self.bidx.contains_key(&old) {
            self.end_branch(old, at, Some(new));
            if let Some(l) = self.g.h.lineage.last_mut() {
                l.kind = kind;
                l.primary = primary;
            }
        } else {
            self.g.h.close(old, at);
            self.g.h.add_lineage(old, new, at, kind, primary);
        }
    }

    fn ctx(
        &mut self,
        province: &'static str,
        prof: &Profile,
        kinh_boost: f64,
        dominant: Option<(u8, f64)>,
    ) -> usize {
        let ethnic = Weighted::new(prof.ethnic.iter().map(|&(c, w)| {
            let mut w = if c == 1 { w * kinh_boost } else { w };
            if let Some((d, f)) = dominant
                && d == c
            {
                w *= f;
            }
            (c, w)
        }));
        self.g.ctxs.push(Ctx {
            province,
            region: prof.region,
            ethnic,
            religions: Religions {
                // The census's "other religions" (2,8 %) less Protestants, Cao Đài and Hòa Hảo,
                // which the province profiles carry: Islam, Bà-la-môn and the small ones.
                other: prof.religions.other.max(self.data.religion_shares[3] / 7.0),
                ..prof.religions
            },
            residences: vec![],
            villages: vec![],
        });
        self.g.ctxs.len() - 1
    }

    fn locality(
        &mut self,
        code: String,
        name: String,
        kind: LocalityKind,
        commune: OrgId,
        from: Date,
        base_population: i64,
    ) -> usize {
        let id = self.ids.next_loc();
        self.g.locs.push(LocRec {
            loc: Locality {
                id,
                code,
                name,
                kind,
                period: Period::starting(from),
            },
            communes: vec![(commune, Period::starting(from))],
            service: vec![],
            base_population,
            absorbed: vec![],
        });
        self.g.locs.len() - 1
    }

    fn serve(&mut self, loc: usize, branch: OrgId, from: Date) {
        if let Some(l) = self.g.locs.get_mut(loc) {
            l.service.push((branch, Period::starting(from)));
        }
    }

    fn end_locality(&mut self, loc: usize, at: Date) {
        if let Some(l) = self.g.locs.get_mut(loc) {
            l.loc.period.to = Some(at);
            for (_, p) in l.communes.iter_mut().chain(l.service.iter_mut()) {
                if p.is_open() {
                    p.to = Some(at);
                }
            }
        }
    }

    fn relink(&mut self, loc: usize, commune: OrgId, at: Date) {
        if let Some(l) = self.g.locs.get_mut(loc) {
            if !l.loc.period.is_open() {
                return;
            }
            if let Some(last) = l.communes.last_mut() {
                last.1.to = Some(at);
            }
            l.communes.push((commune, Period::starting(at)));
        }
    }

    /// Builds the whole history of the 2025 province `p`.
    pub fn build(mut self, p: &'a Unit) -> Result<Group, DemoError> {
        let data = self.data;
        let mut legacy: Vec<&'a Unit> = data
            .legacy_provinces
            .iter()
            .filter(|l| data.province_target.get(l.code) == Some(&p.code))
            .collect();
        legacy.sort_by_key(|l| l.code);
        let merged = legacy.len() > 1;
        self.g.legacy = legacy.iter().map(|l| l.code).collect();

        // Population of the legacy communes, derived from the 2025 communes they went into.
        let pops = self.legacy_populations(p);

        let mut provinces: Vec<(OrgId, &'a Unit)> = vec![];
        let mut roles: Vec<RoleUnit> = vec![];
        let mut dcs: Vec<(&'static str, OrgId)> = vec![];
        let mut districts: Vec<DistrictState> = vec![];
        for l in &legacy {
            let code = if merged {
                format!("T{}.L", l.code)
            } else {
                format!("T{}", l.code)
            };
            let prof = profile(l.code);
            let pid = self.unit(
                code.clone(),
                format!("Đảng bộ {}", label(l)),
                OrgKind::ProvincialCommittee,
                Sector::Province,
                Some(self.tw),
                START,
            )?;
            provinces.push((pid, l));
            let pctx = self.ctx(l.code, &prof, 3.0, None);
            self.direct_committees(pid, &code, l, &prof, pctx, &mut roles, &mut dcs)?;
            let mut ds: Vec<&'a Unit> = data
                .legacy_districts
                .iter()
                .filter(|d| d.parent == l.code)
                .collect();
            ds.sort_by_key(|d| d.code);
            let first_district = districts.len();
            for d in ds {
                let st = self.district(d, pid, l, &prof, &pops)?;
                districts.push(st);
            }
            // The province's own people live in its capital (the first district).
            if let Some(d) = districts.get(first_district) {
                let dctx = d.ctx;
                let (res, vil) = (
                    self.g.ctxs[dctx].residences.clone(),
                    self.g.ctxs[dctx].villages.clone(),
                );
                self.g.ctxs[pctx].residences = res;
                self.g.ctxs[pctx].villages = vil;
            }
        }

        // ---- the reform of 1/7/2025 ------------------------------------------------------
        let label_p = label(p);
        let new_pid = if merged {
            self.unit(
                format!("T{}", p.code),
                format!("Đảng bộ {label_p}"),
                OrgKind::ProvincialCommittee,
                Sector::Province,
                Some(self.tw),
                REFORM,
            )?
        } else {
            provinces.first().map(|x| x.0).ok_or_else(|| {
                DemoError::Data(format!("province {} has no legacy province", p.code))
            })?
        };
        let new_dcs = self.reform_direct_committees(p, new_pid, merged, &dcs, &roles)?;
        let dc_of = |k: &str| new_dcs.iter().find(|(x, _)| *x == k).map(|x| x.1);
        let agencies = dc_of("CQ");
        let military_dc = dc_of("QS");
        let police_cq = new_dcs.iter().find(|(k, _)| *k == "CA.cq").map(|x| x.1);

        // New communes, each with its agency, military and police branches.
        let mut new_list: Vec<&'a Unit> = data
            .communes_2025
            .iter()
            .filter(|c| c.parent == p.code)
            .collect();
        new_list.sort_by_key(|c| c.code);
        let fed: std::collections::HashSet<&str> = self
            .communes
            .iter()
            .flat_map(|c| c.targets.iter().copied())
            .collect();
        for c in new_list {
            let id = self.unit(
                format!("X{}", c.code),
                format!("Đảng bộ {}", label(c)),
                OrgKind::GrassrootsCommittee,
                commune_sector(c.kind),
                Some(new_pid),
                REFORM,
            )?;
            let mut nc = NewCommune {
                id,
                party: None,
                gov: None,
                military: None,
                police: None,
            };
            if fed.contains(c.code) {
                let ctx = self
                    .communes
                    .iter()
                    .find(|s| s.targets.first() == Some(&c.code))
                    .or_else(|| self.communes.iter().find(|s| s.targets.contains(&c.code)))
                    .map(|s| s.ctx)
                    .unwrap_or(0);
                let prefix = format!("X{}", c.code);
                let l = label(c);
                nc.party = Some(self.branch(
                    &prefix,
                    format!("Chi bộ Cơ quan Đảng - Đoàn thể {l}"),
                    OrgKind::Branch,
                    Sector::Agency,
                    id,
                    REFORM,
                    0.0,
                    ctx,
                    false,
                    true,
                )?);
                nc.gov = Some(self.branch(
                    &prefix,
                    format!("Chi bộ Cơ quan Ủy ban nhân dân {l}"),
                    OrgKind::Branch,
                    Sector::Agency,
                    id,
                    REFORM,
                    0.0,
                    ctx,
                    false,
                    true,
                )?);
                nc.military = Some(self.branch(
                    &prefix,
                    format!("Chi bộ Quân sự {l}"),
                    OrgKind::Branch,
                    Sector::Military,
                    id,
                    REFORM,
                    0.0,
                    ctx,
                    false,
                    true,
                )?);
                nc.police = Some(self.branch(
                    &prefix,
                    format!("Chi bộ Công an {l}"),
                    OrgKind::Branch,
                    Sector::Police,
                    id,
                    REFORM,
                    0.0,
                    ctx,
                    false,
                    true,
                )?);
            }
            self.new_communes.insert(c.code, nc);
        }

        // Legacy communes pass into the new ones.
        let states = std::mem::take(&mut self.communes);
        for (i, st) in states.iter().enumerate() {
            let targets: Vec<NewCommune> = st
                .targets
                .iter()
                .filter_map(|t| self.new_communes.get(t).copied())
                .collect();
            let Some(primary) = targets.first().copied() else {
                return Err(DemoError::Data(format!(
                    "no 2025 commune for unit {}",
                    st.id
                )));
            };
            for m in &st.movable {
                let t = self.pick_target(&targets);
                self.g.h.move_to(m.branch, t.id, REFORM);
                for &l in &m.locs {
                    self.relink(l, t.id, REFORM);
                }
            }
            for &l in &st.loose {
                let t = self.pick_target(&targets);
                self.relink(l, t.id, REFORM);
            }
            let agency_to = if i % 2 == 0 {
                primary.gov
            } else {
                primary.party
            };
            self.end_branch(st.agency, REFORM, agency_to.or(primary.gov));
            self.end_branch(st.military, REFORM, primary.military);
            if let Some(p) = st.police {
                self.end_branch(p, REFORM, primary.police);
            }
            let split = targets.len() > 1;
            for c in self.g.h.children(st.id) {
                // Anything left (nothing, normally) follows the primary successor.
                self.g.h.move_to(c, primary.id, REFORM);
            }
            self.g.h.close(st.id, REFORM);
            for (k, t) in targets.iter().enumerate() {
                let kind = if split {
                    LineageKind::Split
                } else {
                    LineageKind::Merge
                };
                self.g.h.add_lineage(st.id, t.id, REFORM, kind, k == 0);
            }
        }
        self.communes = states;

        // Districts are dissolved; their grassroots organizations move or merge.
        let mut ptkv: Option<(OrgId, usize)> = None;
        let mut ptkv_count = 0;
        for d in &districts {
            let targets: Vec<NewCommune> = {
                let mut v: Vec<&'static str> = vec![];
                for &ci in &d.communes {
                    for t in &self.communes[ci].targets {
                        if !v.contains(t) {
                            v.push(t);
                        }
                    }
                }
                v.iter()
                    .filter_map(|t| self.new_communes.get(t).copied())
                    .collect()
            };
            if let Some(seat) = targets.first().copied() {
                for (which, gc) in [(0, &d.party), (1, &d.gov)] {
                    let Some((gc, branches)) = gc else { continue };
                    for (j, b) in branches.iter().enumerate() {
                        let t = targets[j % targets.len()];
                        let to = if which == 0 { t.party } else { t.gov };
                        self.end_branch(*b, REFORM, to.or(seat.gov));
                    }
                    self.merge_into(*gc, seat.id, REFORM, LineageKind::Merge, true);
                }
            }
            if let (Some(qs), Some(dc)) = (d.military, military_dc) {
                let target = match ptkv {
                    Some((id, n)) if n < 3 => {
                        ptkv = Some((id, n + 1));
                        id
                    }
                    _ => {
                        let prefix = self
                            .g
                            .h
                            .unit(dc)
                            .map(|u| u.code.clone())
                            .unwrap_or_default();
                        ptkv_count += 1;
                        let n = ptkv_count;
                        let code = self.codes.next(&prefix);
                        let id = self.unit(
                            code,
                            format!("Đảng bộ Ban Chỉ huy Phòng thủ khu vực {n} - {}", d.short),
                            OrgKind::GrassrootsCommittee,
                            Sector::Military,
                            Some(dc),
                            REFORM,
                        )?;
                        ptkv = Some((id, 1));
                        id
                    }
                };
                self.merge_into(qs, target, REFORM, LineageKind::Merge, true);
            }
            if let (Some(ca), Some(cq)) = (d.police, police_cq) {
                self.merge_into(ca, cq, REFORM, LineageKind::Merge, true);
            }
            if let Some(cq) = agencies {
                for &u in &d.to_agencies {
                    self.g.h.move_to(u, cq, REFORM);
                }
            }
            for c in self.g.h.children(d.id) {
                if let Some(t) = targets.first() {
                    self.g.h.move_to(c, t.id, REFORM);
                }
            }
            self.g.h.close(d.id, REFORM);
        }

        if merged {
            for (pid, _) in &provinces {
                self.merge_into(*pid, new_pid, REFORM, LineageKind::Merge, true);
            }
        }
        Ok(self.g)
    }

    fn pick_target(&mut self, targets: &[NewCommune]) -> NewCommune {
        if targets.len() < 2 || self.rng.random_bool(0.6) {
            return targets[0];
        }
        targets[self.rng.random_range(1..targets.len())]
    }

    /// 2016 population of each legacy commune of the group (and of the invented Ngải Thầu).
    fn legacy_populations(&mut self, p: &Unit) -> HashMap<&'static str, f64> {
        let data = self.data;
        let new: Vec<&Unit> = data
            .communes_2025
            .iter()
            .filter(|c| c.parent == p.code)
            .collect();
        let mut known: Vec<i64> = new
            .iter()
            .filter_map(|c| c.population)
            .filter(|p| *p >= 2000)
            .collect();
        known.sort_unstable();
        let median = known.get(known.len() / 2).copied().unwrap_or(12_000) as f64;
        let pop_new: HashMap<&str, f64> = new
            .iter()
            .map(|c| {
                let v = c
                    .population
                    .filter(|p| *p >= 2000)
                    .map_or(median, |p| p as f64);
                (c.code, v)
            })
            .collect();
        // Weights of the legacy communes feeding each new commune.
        let mut shares: Vec<(&'static str, &'static str, f64)> = vec![];
        let mut totals: HashMap<&str, f64> = HashMap::new();
        let mut legacy: Vec<&'a Unit> = data
            .legacy_communes
            .iter()
            .filter(|c| {
                data.commune_targets
                    .get(c.code)
                    .is_some_and(|t| t.iter().any(|x| pop_new.contains_key(x)))
            })
            .collect();
        legacy.sort_by_key(|c| c.code);
        for c in legacy {
            let targets = data
                .commune_targets
                .get(c.code)
                .cloned()
                .unwrap_or_default();
            let base = match c.kind {
                "phường" => 1.3,
                "thị trấn" => 1.1,
                _ => 1.0,
            } / targets.len() as f64;
            for t in targets {
                let w = base * self.rng.random_range(0.65..1.35);
                shares.push((c.code, t, w));
                *totals.entry(t).or_default() += w;
            }
        }
        let mut out: HashMap<&'static str, f64> = HashMap::new();
        for (c, t, w) in shares {
            let v = pop_new.get(t).copied().unwrap_or(median) * w
                / totals.get(t).copied().unwrap_or(1.0).max(1e-9);
            *out.entry(c).or_default() += v;
        }
        for (d, t) in &data.island_targets {
            if let Some(v) = pop_new.get(t) {
                out.insert(d, *v);
            }
        }
        // A Lù and Ngải Thầu merged in 2020: A Lù's share is split between them.
        if let Some(v) = out.get("02692").copied() {
            out.insert("02692", v * 0.55);
            out.insert(NGAI_THAU, v * 0.45);
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn direct_committees(
        &mut self,
        pid: OrgId,
        pcode: &str,
        l: &'a Unit,
        prof: &Profile,
        ctx: usize,
        roles: &mut Vec<RoleUnit>,
        dcs: &mut Vec<(&'static str, OrgId)>,
    ) -> Result<(), DemoError> {
        let lp = label(l);
        let fill = |t: &str| t.replace("{P}", &lp).replace("{S}", l.short);
        let small = self.params.small;
        // Quân sự
        let qs = self.unit(
            format!("{pcode}.QS"),
            format!("Đảng bộ Quân sự {lp}"),
            OrgKind::DirectCommittee,
            Sector::Military,
            Some(pid),
            START,
        )?;
        dcs.push(("QS", qs));
        let mut spec: Vec<RoleSpec> = vec![
            (
                "QS",
                "cq",
                "Đảng bộ Cơ quan Bộ Chỉ huy Quân sự {P}".into(),
                OrgKind::GrassrootsCommittee,
                Sector::Military,
                [
                    "Chi bộ Phòng Tham mưu",
                    "Chi bộ Phòng Chính trị",
                    "Chi bộ Phòng Hậu cần - Kỹ thuật",
                    "Chi bộ Văn phòng",
                ]
                .map(String::from)
                .to_vec(),
            ),
            (
                "QS",
                "truong",
                "Chi bộ Trường Quân sự {P}".into(),
                OrgKind::GrassrootsBranch,
                Sector::Military,
                vec![],
            ),
        ];
        // Công an
        let ca = self.unit(
            format!("{pcode}.CA"),
            format!("Đảng bộ Công an {lp}"),
            OrgKind::DirectCommittee,
            Sector::Police,
            Some(pid),
            START,
        )?;
        dcs.push(("CA", ca));
        spec.push((
            "CA",
            "cq",
            "Đảng bộ Cơ quan Công an {P}".into(),
            OrgKind::GrassrootsCommittee,
            Sector::Police,
            [
                "Chi bộ Phòng Tham mưu",
                "Chi bộ Phòng Tổ chức cán bộ",
                "Chi bộ Văn phòng Cơ quan Cảnh sát điều tra",
            ]
            .map(String::from)
            .to_vec(),
        ));
        spec.push((
            "CA",
            "pccc",
            "Đảng bộ Phòng Cảnh sát PCCC và CNCH".into(),
            OrgKind::GrassrootsCommittee,
            Sector::Police,
            ["Chi bộ Đội Chữa cháy số 1", "Chi bộ Đội Chữa cháy số 2"]
                .map(String::from)
                .to_vec(),
        ));
        spec.push((
            "CA",
            "trai",
            "Chi bộ Trại tạm giam Công an {P}".into(),
            OrgKind::GrassrootsBranch,
            Sector::Police,
            vec![],
        ));
        // Biên phòng
        if prof.border {
            let bp = self.unit(
                format!("{pcode}.BP"),
                format!("Đảng bộ Bộ đội Biên phòng {lp}"),
                OrgKind::DirectCommittee,
                Sector::BorderGuard,
                Some(pid),
                START,
            )?;
            dcs.push(("BP", bp));
            spec.push((
                "BP",
                "cq",
                "Đảng bộ Cơ quan Bộ Chỉ huy Bộ đội Biên phòng {P}".into(),
                OrgKind::GrassrootsCommittee,
                Sector::BorderGuard,
                [
                    "Chi bộ Phòng Tham mưu",
                    "Chi bộ Phòng Chính trị",
                    "Chi bộ Phòng Hậu cần - Kỹ thuật",
                ]
                .map(String::from)
                .to_vec(),
            ));
            let districts: std::collections::HashSet<&str> = self
                .data
                .legacy_districts
                .iter()
                .filter(|d| d.parent == l.code)
                .map(|d| d.code)
                .collect();
            let communes: Vec<&'a Unit> = self
                .data
                .legacy_communes
                .iter()
                .filter(|c| districts.contains(c.parent) && c.kind == "xã")
                .collect();
            let posts = if small {
                2
            } else {
                self.rng.random_range(3..=8)
            };
            for i in 0..posts.min(communes.len()) {
                let c = communes[(i * 7919 + 13) % communes.len()];
                spec.push((
                    "BP",
                    "post",
                    format!("Đảng bộ Đồn Biên phòng {}", c.short),
                    OrgKind::GrassrootsCommittee,
                    Sector::BorderGuard,
                    ["Chi bộ Chỉ huy", "Chi bộ Đội vũ trang"]
                        .map(String::from)
                        .to_vec(),
                ));
            }
        }
        // Khối cơ quan
        let cq = self.unit(
            format!("{pcode}.CQ"),
            format!("Đảng bộ Khối các cơ quan {lp}"),
            OrgKind::DirectCommittee,
            Sector::Agency,
            Some(pid),
            START,
        )?;
        self.g
            .h
            .rename(cq, format!("Đảng bộ các cơ quan Đảng {lp}"), CQ_RENAME);
        dcs.push(("CQ", cq));
        let n_so = if small { 6 } else { SO.len() };
        for &(name, big, sector) in SO.iter().take(n_so) {
            if big {
                let k = if small {
                    2
                } else {
                    self.rng.random_range(2..=5)
                };
                let list = if sector == Sector::Health {
                    HOSPITAL_BRANCHES
                } else {
                    SO_BRANCHES
                };
                spec.push((
                    "CQ",
                    "so",
                    format!("Đảng bộ {name}"),
                    OrgKind::GrassrootsCommittee,
                    sector,
                    list.iter().take(k).map(|s| s.to_string()).collect(),
                ));
            } else {
                spec.push((
                    "CQ",
                    "so",
                    format!("Chi bộ {name}"),
                    OrgKind::GrassrootsBranch,
                    sector,
                    vec![],
                ));
            }
        }
        for (dc_kind, role, template, kind, sector, branches) in spec {
            let Some(&(_, dc)) = dcs.iter().find(|(k, _)| *k == dc_kind) else {
                continue;
            };
            let prefix = self
                .g
                .h
                .unit(dc)
                .map(|u| u.code.clone())
                .unwrap_or_default();
            let name = fill(&template);
            let weight = 20.0;
            let id = if kind == OrgKind::GrassrootsBranch {
                self.branch(
                    &prefix, name, kind, sector, dc, START, weight, ctx, false, false,
                )?
            } else {
                let c = self.codes.next(&prefix);
                let id = self.unit(c, name, kind, sector, Some(dc), START)?;
                let own = self
                    .g
                    .h
                    .unit(id)
                    .map(|u| u.code.clone())
                    .unwrap_or_default();
                if dc_kind == "CA" && role == "cq" && !small {
                    for (sub, list) in [
                        (
                            "Đảng bộ bộ phận Khối An ninh",
                            [
                                "Chi bộ Phòng An ninh chính trị nội bộ",
                                "Chi bộ Phòng An ninh kinh tế",
                                "Chi bộ Phòng An ninh mạng",
                            ],
                        ),
                        (
                            "Đảng bộ bộ phận Khối Cảnh sát",
                            [
                                "Chi bộ Phòng Cảnh sát hình sự",
                                "Chi bộ Phòng Cảnh sát kinh tế",
                                "Chi bộ Phòng Cảnh sát giao thông",
                            ],
                        ),
                    ] {
                        let c = self.codes.next(&own);
                        let s = self.unit(
                            c,
                            sub.into(),
                            OrgKind::SubCommittee,
                            sector,
                            Some(id),
                            START,
                        )?;
                        let scode = self.g.h.unit(s).map(|u| u.code.clone()).unwrap_or_default();
                        for b in list {
                            self.branch(
                                &scode,
                                b.into(),
                                OrgKind::Branch,
                                sector,
                                s,
                                START,
                                18.0,
                                ctx,
                                false,
                                false,
                            )?;
                        }
                    }
                }
                for b in branches {
                    self.branch(
                        &own,
                        b,
                        OrgKind::Branch,
                        sector,
                        id,
                        START,
                        18.0,
                        ctx,
                        false,
                        false,
                    )?;
                }
                id
            };
            // Border posts keep their own identity through the merger.
            let role = if role == "post" {
                format!("post:{id}")
            } else {
                format!("{role}:{template}")
            };
            roles.push(RoleUnit {
                dc: dc_kind,
                role,
                id,
                kind,
                sector,
                template,
                weight,
            });
        }
        Ok(())
    }

    /// The provincial direct committees after 1/7/2025: unchanged for a province that was not
    /// merged; new ones (with their same-role units merged) for a merged one. Returns the
    /// committees by kind, plus `CA.cq`, the police agencies' committee.
    fn reform_direct_committees(
        &mut self,
        p: &'a Unit,
        new_pid: OrgId,
        merged: bool,
        dcs: &[(&'static str, OrgId)],
        roles: &[RoleUnit],
    ) -> Result<Vec<(&'static str, OrgId)>, DemoError> {
        let lp = label(p);
        let find_role = |dc: &str, role: &str| {
            roles
                .iter()
                .find(|r| r.dc == dc && r.role.starts_with(role))
                .map(|r| r.id)
        };
        if !merged {
            let mut out: Vec<(&'static str, OrgId)> = dcs.to_vec();
            if let Some(id) = find_role("CA", "cq:") {
                out.push(("CA.cq", id));
            }
            return Ok(out);
        }
        let mut out: Vec<(&'static str, OrgId)> = vec![];
        for kind in ["QS", "CA", "BP", "CQ"] {
            let olds: Vec<OrgId> = dcs
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|x| x.1)
                .collect();
            if olds.is_empty() {
                continue;
            }
            let (name, sector) = match kind {
                "QS" => (format!("Đảng bộ Quân sự {lp}"), Sector::Military),
                "CA" => (format!("Đảng bộ Công an {lp}"), Sector::Police),
                "BP" => (
                    format!("Đảng bộ Bộ đội Biên phòng {lp}"),
                    Sector::BorderGuard,
                ),
                _ => (format!("Đảng bộ các cơ quan Đảng {lp}"), Sector::Agency),
            };
            let code = format!("T{}.{kind}", p.code);
            let dc = self.unit(
                code.clone(),
                name,
                OrgKind::DirectCommittee,
                sector,
                Some(new_pid),
                REFORM,
            )?;
            out.push((kind, dc));
            // Same-role units of the merged provinces become one.
            let mut keys: Vec<&str> = vec![];
            for r in roles.iter().filter(|r| r.dc == kind) {
                if !keys.contains(&r.role.as_str()) {
                    keys.push(&r.role);
                }
            }
            for key in keys {
                let same: Vec<&RoleUnit> = roles
                    .iter()
                    .filter(|r| r.dc == kind && r.role == key)
                    .collect();
                let Some(first) = same.first() else { continue };
                let id = if same.len() == 1 {
                    self.g.h.move_to(first.id, dc, REFORM);
                    first.id
                } else {
                    let name = first.template.replace("{P}", &lp).replace("{S}", p.short);
                    let total: f64 = same.iter().map(|r| r.weight).sum();
                    let ctx = self
                        .bidx
                        .get(&first.id)
                        .map_or(0, |&i| self.g.branches[i].ctx);
                    let new = if first.kind == OrgKind::GrassrootsBranch {
                        self.branch(
                            &code,
                            name,
                            first.kind,
                            first.sector,
                            dc,
                            REFORM,
                            total,
                            ctx,
                            false,
                            true,
                        )?
                    } else {
                        let c = self.codes.next(&code);
                        self.unit(c, name, first.kind, first.sector, Some(dc), REFORM)?
                    };
                    for r in &same {
                        self.merge_into(r.id, new, REFORM, LineageKind::Merge, true);
                    }
                    new
                };
                if kind == "CA" && key.starts_with("cq:") {
                    out.push(("CA.cq", id));
                }
            }
            for old in olds {
                self.merge_into(old, dc, REFORM, LineageKind::Merge, true);
            }
        }
        Ok(out)
    }

    fn district(
        &mut self,
        d: &'a Unit,
        pid: OrgId,
        l: &'a Unit,
        prof: &Profile,
        pops: &HashMap<&'static str, f64>,
    ) -> Result<DistrictState, DemoError> {
        let small = self.params.small;
        let ld = label(d);
        let hcode = format!("H{}", d.code);
        let hid = self.unit(
            hcode.clone(),
            format!("Đảng bộ {ld}"),
            OrgKind::DirectCommittee,
            Sector::District,
            Some(pid),
            START,
        )?;
        let dctx = self.ctx(l.code, prof, 2.0, None);
        let mut st = DistrictState {
            id: hid,
            ctx: dctx,
            party: None,
            gov: None,
            military: None,
            police: None,
            to_agencies: vec![],
            communes: vec![],
            short: d.short,
        };
        let mut communes: Vec<&'a Unit> = self
            .data
            .legacy_communes
            .iter()
            .filter(|c| c.parent == d.code)
            .collect();
        communes.sort_by_key(|c| c.code);
        // Hoàng Sa has no party organization on the islands.
        if d.code == "498" {
            return Ok(st);
        }
        let urban = matches!(d.kind, "quận" | "thành phố" | "thị xã");
        let dpop: f64 = if communes.is_empty() {
            pops.get(d.code).copied().unwrap_or(5000.0)
        } else {
            communes
                .iter()
                .map(|c| pops.get(c.code).copied().unwrap_or(8000.0))
                .sum()
        };
        // Grassroots organizations of the district.
        let gc =
            |b: &mut Self, name: String, sector: Sector| -> Result<(OrgId, String), DemoError> {
                let code = b.codes.next(&hcode);
                let id = b.unit(
                    code.clone(),
                    name,
                    OrgKind::GrassrootsCommittee,
                    sector,
                    Some(hid),
                    START,
                )?;
                Ok((id, code))
            };
        let (party, pc) = gc(
            self,
            format!("Đảng bộ các cơ quan Đảng - Đoàn thể {ld}"),
            Sector::Agency,
        )?;
        let n = if small { 2 } else { PARTY_BRANCHES.len() };
        let mut pb = vec![];
        for name in PARTY_BRANCHES.iter().take(n) {
            pb.push(self.branch(
                &pc,
                (*name).into(),
                OrgKind::Branch,
                Sector::Agency,
                party,
                START,
                9.0,
                dctx,
                false,
                false,
            )?);
        }
        st.party = Some((party, pb));
        let (gov, gcode) = gc(
            self,
            format!("Đảng bộ Cơ quan Chính quyền {ld}"),
            Sector::Agency,
        )?;
        let n = if small {
            3
        } else {
            self.rng.random_range(6..=GOV_BRANCHES.len())
        };
        let mut gb = vec![];
        for name in GOV_BRANCHES.iter().take(n) {
            gb.push(self.branch(
                &gcode,
                (*name).into(),
                OrgKind::Branch,
                Sector::Agency,
                gov,
                START,
                9.0,
                dctx,
                false,
                false,
            )?);
        }
        st.gov = Some((gov, gb));
        let (qs, qcode) = gc(self, format!("Đảng bộ Quân sự {ld}"), Sector::Military)?;
        for name in [
            "Chi bộ Cơ quan Ban Chỉ huy Quân sự",
            "Chi bộ Dân quân thường trực",
        ] {
            self.branch(
                &qcode,
                name.into(),
                OrgKind::Branch,
                Sector::Military,
                qs,
                START,
                8.0,
                dctx,
                false,
                false,
            )?;
        }
        st.military = Some(qs);
        let (ca, ccode) = gc(self, format!("Đảng bộ Công an {ld}"), Sector::Police)?;
        let n = if small {
            2
        } else {
            self.rng.random_range(3..=4)
        };
        for name in [
            "Chi bộ Đội Tổng hợp",
            "Chi bộ Đội Cảnh sát điều tra",
            "Chi bộ Đội An ninh",
            "Chi bộ Đội Cảnh sát giao thông - trật tự",
        ]
        .iter()
        .take(n)
        {
            self.branch(
                &ccode,
                (*name).into(),
                OrgKind::Branch,
                Sector::Police,
                ca,
                START,
                12.0,
                dctx,
                false,
                false,
            )?;
        }
        st.police = Some(ca);
        let (yt, ycode) = gc(self, format!("Đảng bộ Trung tâm Y tế {ld}"), Sector::Health)?;
        let n = if small { 2 } else { 3 };
        for name in [
            "Chi bộ Khối điều trị",
            "Chi bộ Khối dự phòng",
            "Chi bộ Phòng chức năng",
        ]
        .iter()
        .take(n)
        {
            self.branch(
                &ycode,
                (*name).into(),
                OrgKind::Branch,
                Sector::Health,
                yt,
                START,
                12.0,
                dctx,
                false,
                false,
            )?;
        }
        st.to_agencies.push(yt);
        let thpt = if small {
            1
        } else {
            (1.0 + dpop / 70_000.0).floor().clamp(1.0, 5.0) as usize
        };
        let mut thpt_branches = vec![];
        for i in 0..thpt {
            let name = if thpt == 1 {
                format!("Trường THPT {}", d.short)
            } else {
                format!("Trường THPT số {} {}", i + 1, d.short)
            };
            let b = self.branch(
                &hcode,
                format!("Chi bộ {name}"),
                OrgKind::GrassrootsBranch,
                Sector::School,
                hid,
                START,
                22.0,
                dctx,
                true,
                false,
            )?;
            st.to_agencies.push(b);
            thpt_branches.push((b, name));
        }
        if !small {
            let b = self.branch(
                &hcode,
                format!("Chi bộ Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên {ld}"),
                OrgKind::GrassrootsBranch,
                Sector::PublicService,
                hid,
                START,
                7.0,
                dctx,
                false,
                false,
            )?;
            st.to_agencies.push(b);
            let n = if urban {
                self.rng.random_range(2..=6)
            } else {
                self.rng.random_range(0..=2)
            };
            for _ in 0..n {
                let name = enterprise_name(&mut self.rng, false, d.short);
                let (sector, w) = if self.rng.random_bool(0.3) {
                    (Sector::StateEnterprise, 12.0)
                } else {
                    (Sector::PrivateEnterprise, 8.0)
                };
                let b = self.branch(
                    &hcode,
                    format!("Chi bộ {name}"),
                    OrgKind::GrassrootsBranch,
                    sector,
                    hid,
                    START,
                    w,
                    dctx,
                    false,
                    false,
                )?;
                st.to_agencies.push(b);
            }
        }

        // Communes (and, for island districts, the residential committee).
        let mut list: Vec<CommuneSpec> = communes
            .iter()
            .map(|c| {
                let t = self
                    .data
                    .commune_targets
                    .get(c.code)
                    .cloned()
                    .unwrap_or_default();
                (
                    format!("X{}.L", c.code),
                    format!("Đảng bộ {}", label(c)),
                    c.kind,
                    c.short,
                    t,
                    pops.get(c.code).copied().unwrap_or(8000.0),
                    c.code,
                )
            })
            .collect();
        if d.code == "082" {
            // Ngải Thầu (merged into A Lù on 1/3/2020; its code retired, invented here).
            let t = self
                .data
                .commune_targets
                .get("02692")
                .cloned()
                .unwrap_or_default();
            let pos = list
                .iter()
                .position(|x| x.6 == "02692")
                .map_or(list.len(), |p| p + 1);
            list.insert(
                pos,
                (
                    format!("X{NGAI_THAU}.L"),
                    "Đảng bộ xã Ngải Thầu".into(),
                    "xã",
                    "Ngải Thầu",
                    t,
                    pops.get(NGAI_THAU).copied().unwrap_or(3000.0),
                    NGAI_THAU,
                ),
            );
        }
        if communes.is_empty()
            && let Some(t) = self.data.island_targets.get(d.code)
        {
            list.push((
                self.codes.next(&hcode),
                format!("Đảng bộ các khu dân cư {ld}"),
                "thị trấn",
                d.short,
                vec![*t],
                dpop,
                "island",
            ));
        }
        let mut seat_locs = vec![];
        for (code, name, kind, short, targets, pop, gso) in list {
            let ci = self.commune(hid, &code, name, kind, short, targets, pop, gso, l, prof)?;
            st.communes.push(ci);
            if seat_locs.is_empty() {
                seat_locs.push(ci);
            }
        }
        // District residences and retirement branches: those of its seat commune.
        if let Some(&ci) = seat_locs.first() {
            let cctx = self.communes[ci].ctx;
            let (res, vil) = (
                self.g.ctxs[cctx].residences.clone(),
                self.g.ctxs[cctx].villages.clone(),
            );
            self.g.ctxs[dctx].residences = res;
            self.g.ctxs[dctx].villages = vil;
            // Upper-secondary schools are localities of the seat commune.
            let cid = self.communes[ci].id;
            for (b, name) in thpt_branches {
                let code = self.codes.tag(&code_base(&self.g.h, cid), "S");
                let li = self.locality(code, name, LocalityKind::School, cid, START, 0);
                self.serve(li, b, START);
                self.communes[ci].loose.push(li);
            }
        }
        Ok(st)
    }

    /// A legacy commune with its localities and branches; returns its index in `communes`.
    #[allow(clippy::too_many_arguments)]
    fn commune(
        &mut self,
        district: OrgId,
        code: &str,
        name: String,
        kind: &'static str,
        short: &'static str,
        targets: Vec<&'static str>,
        pop: f64,
        gso: &'static str,
        l: &'a Unit,
        prof: &Profile,
    ) -> Result<usize, DemoError> {
        let small = self.params.small;
        let ngai_thau = gso == NGAI_THAU;
        let end = if ngai_thau { ALU_MERGER } else { REFORM };
        let urban = kind == "phường" || (kind == "thị trấn" && gso != "island");
        // The group most people of the commune belong to: Kinh in towns; in the uplands the
        // minorities live mostly in the rural communes. A Lù and Ngải Thầu are Mông villages.
        let upland = matches!(prof.region, Region::NorthMountain | Region::Highlands);
        let dominant = if gso == "02692" || ngai_thau {
            8
        } else if urban && self.rng.random_bool(0.8) {
            1
        } else {
            let w = Weighted::new(
                prof.ethnic
                    .iter()
                    .map(|&(c, w)| (c, if c == 1 && upland { w * 0.6 } else { w })),
            );
            w.pick(&mut self.rng).unwrap_or(1)
        };
        let boost = if dominant == 1 { 3.0 } else { 6.0 };
        let ctx = self.ctx(
            l.code,
            prof,
            if urban { 4.0 } else { 1.0 },
            Some((dominant, boost)),
        );
        let style = if gso == "island" {
            VillageStyle::Urban {
                prefix: "Khu dân cư",
            }
        } else {
            VillageStyle::pick(kind, dominant, prof.region, l.code)
        };
        let id = self.unit(
            code.to_string(),
            name,
            OrgKind::GrassrootsCommittee,
            commune_sector(kind),
            Some(district),
            START,
        )?;
        let base = code.trim_end_matches(".L").to_string();
        let place = format!("{kind} {short}");
        let mountain = matches!(
            style,
            VillageStyle::Mountain { .. } | VillageStyle::Highland
        );

        // Villages / residential groups.
        let avg = match style {
            VillageStyle::Mountain { .. } => 380.0,
            VillageStyle::Highland => 550.0,
            VillageStyle::KinhNorth => 800.0,
            VillageStyle::KinhSouth => 1500.0,
            VillageStyle::Khmer => 1200.0,
            VillageStyle::Urban { .. } => 1000.0,
        };
        let mut nv = (pop / avg * self.rng.random_range(0.8..1.2))
            .round()
            .clamp(3.0, 40.0) as usize;
        if let Some(cap) = self.params.villages_cap {
            nv = nv.min(cap);
        }
        let mut names: Vec<String> = vec![];
        if gso == "02692" {
            names.extend(["Thôn Phìn Chải", "Thôn Khoa Sán Chải"].map(String::from));
        }
        while names.len() < nv {
            let mut n = style.village(&mut self.rng, names.len() + 1);
            let mut tries = 0;
            while names.contains(&n) && tries < 10 {
                n = style.village(&mut self.rng, names.len() + 1);
                tries += 1;
            }
            if names.contains(&n) {
                n = format!(
                    "{} {}",
                    if style.residential() {
                        "Tổ dân phố"
                    } else {
                        "Thôn"
                    },
                    names.len() + 1
                );
            }
            names.push(n);
        }
        let vkind = if style.residential() {
            LocalityKind::ResidentialGroup
        } else {
            LocalityKind::Village
        };
        // Village populations: uneven shares of the commune's.
        let ws: Vec<f64> = names
            .iter()
            .map(|_| self.rng.random_range(0.5..1.5))
            .collect();
        let wsum: f64 = ws.iter().sum();
        let mut villages = vec![];
        for (i, n) in names.iter().enumerate() {
            let vp = (pop * ws[i] / wsum).round().max(60.0) as i64;
            let c = self.codes.tag(&base, "T");
            villages.push(self.locality(c, n.clone(), vkind, id, START, vp));
        }

        let mut st = CommuneState {
            id,
            ctx,
            movable: vec![],
            loose: vec![],
            agency: 0,
            military: 0,
            police: None,
            targets,
        };
        // Branches for villages: own, combined (2–3 villages), or none for now.
        let mut i = 0;
        let p_none = if mountain { 0.05 } else { 0.01 };
        let p_combined = if urban {
            0.03
        } else if mountain {
            0.12
        } else {
            0.07
        };
        while i < villages.len() {
            let x: f64 = self.rng.random();
            if x < p_none && !(gso == "02692" && i < 2) {
                // No branch yet; one may be founded later.
                let li = villages[i];
                if self.rng.random_bool(0.6) {
                    let at =
                        rand_date(&mut self.rng, date(2016, 6, 1), end.min(date(2023, 12, 31)));
                    let vname = self.g.locs[li].loc.name.clone();
                    let b = self.branch(
                        &base,
                        branch_name_for(&[&vname]),
                        OrgKind::Branch,
                        village_sector(vkind),
                        id,
                        at,
                        self.g.locs[li].base_population as f64 * 0.03,
                        ctx,
                        false,
                        false,
                    )?;
                    self.serve(li, b, at);
                    st.movable.push(Movable {
                        branch: b,
                        locs: vec![li],
                    });
                    self.g.ctxs[ctx].villages.push(b);
                } else {
                    st.loose.push(li);
                }
                i += 1;
                continue;
            }
            let take = if x < p_none + p_combined && i + 1 < villages.len() {
                if self.rng.random_bool(0.25) && i + 2 < villages.len() {
                    3
                } else {
                    2
                }
            } else {
                1
            };
            let group: Vec<usize> = villages[i..i + take].to_vec();
            let vnames: Vec<String> = group
                .iter()
                .map(|&li| self.g.locs[li].loc.name.clone())
                .collect();
            let refs: Vec<&str> = vnames.iter().map(String::as_str).collect();
            let w: f64 = group
                .iter()
                .map(|&li| self.g.locs[li].base_population as f64 * 0.03)
                .sum();
            let b = self.branch(
                &base,
                branch_name_for(&refs),
                OrgKind::Branch,
                village_sector(vkind),
                id,
                START,
                w,
                ctx,
                false,
                false,
            )?;
            for &li in &group {
                self.serve(li, b, START);
            }
            st.movable.push(Movable {
                branch: b,
                locs: group,
            });
            self.g.ctxs[ctx].villages.push(b);
            i += take;
        }
        self.g.ctxs[ctx].residences = villages.iter().map(|&li| self.g.locs[li].loc.id).collect();

        // Agency, military and (from 2019–2021 in xã) police branches.
        st.agency = self.branch(
            &base,
            format!("Chi bộ Cơ quan {place}"),
            OrgKind::Branch,
            Sector::Agency,
            id,
            START,
            18.0,
            ctx,
            false,
            false,
        )?;
        st.military = self.branch(
            &base,
            format!("Chi bộ Quân sự {place}"),
            OrgKind::Branch,
            Sector::Military,
            id,
            START,
            6.0,
            ctx,
            false,
            false,
        )?;
        if urban || gso == "island" {
            st.police = Some(self.branch(
                &base,
                format!("Chi bộ Công an {place}"),
                OrgKind::Branch,
                Sector::Police,
                id,
                START,
                7.0,
                ctx,
                false,
                false,
            )?);
        } else if !ngai_thau {
            let at = rand_date(&mut self.rng, date(2019, 1, 1), date(2021, 7, 1));
            st.police = Some(self.branch(
                &base,
                format!("Chi bộ Công an {place}"),
                OrgKind::Branch,
                Sector::Police,
                id,
                at,
                7.0,
                ctx,
                false,
                false,
            )?);
        }

        // Schools and the health station.
        if gso != "island" {
            let mut schools: Vec<(&str, f64)> =
                vec![("Mầm non", 6.0), ("Tiểu học", 9.0), ("THCS", 12.0)];
            if small {
                schools.remove(0);
            } else {
                if pop > 9_000.0 {
                    schools.push(("Tiểu học số 2", 8.0));
                }
                if pop > 14_000.0 {
                    schools.push(("Mầm non số 2", 6.0));
                    schools.push(("THCS số 2", 10.0));
                }
            }
            let ptdtbt = mountain && self.rng.random_bool(0.4);
            let mut s_locs = vec![];
            for (s, w) in &schools {
                let sname = if ptdtbt && (s.starts_with("Tiểu học") || s.starts_with("THCS")) {
                    format!("Trường PTDTBT {s} {short}")
                } else {
                    format!("Trường {s} {short}")
                };
                let c = self.codes.tag(&base, "S");
                let li = self.locality(c, sname, LocalityKind::School, id, START, 0);
                s_locs.push((li, *w));
            }
            let mut k = 0;
            while k < s_locs.len() {
                let (li, w) = s_locs[k];
                let none = self
                    .rng
                    .random_bool(if mountain && k == 0 { 0.35 } else { 0.08 });
                if none {
                    if self.rng.random_bool(0.5) {
                        let at =
                            rand_date(&mut self.rng, date(2017, 1, 1), end.min(date(2023, 12, 31)));
                        let n = format!("Chi bộ {}", self.g.locs[li].loc.name);
                        let b = self.branch(
                            &base,
                            n,
                            OrgKind::Branch,
                            Sector::School,
                            id,
                            at,
                            w,
                            ctx,
                            false,
                            false,
                        )?;
                        self.serve(li, b, at);
                        st.movable.push(Movable {
                            branch: b,
                            locs: vec![li],
                        });
                    } else {
                        st.loose.push(li);
                    }
                    k += 1;
                    continue;
                }
                // Mầm non and Tiểu học sometimes share a branch.
                if k + 1 < s_locs.len() && self.rng.random_bool(0.15) {
                    let (lj, wj) = s_locs[k + 1];
                    let a = self.g.locs[li].loc.name.replace("Trường ", "");
                    let b2 = self.g.locs[lj].loc.name.replace("Trường ", "");
                    let b = self.branch(
                        &base,
                        format!("Chi bộ Trường {a} - {b2}"),
                        OrgKind::Branch,
                        Sector::School,
                        id,
                        START,
                        w + wj,
                        ctx,
                        false,
                        false,
                    )?;
                    self.serve(li, b, START);
                    self.serve(lj, b, START);
                    st.movable.push(Movable {
                        branch: b,
                        locs: vec![li, lj],
                    });
                    k += 2;
                    continue;
                }
                let n = format!("Chi bộ {}", self.g.locs[li].loc.name);
                let b = self.branch(
                    &base,
                    n,
                    OrgKind::Branch,
                    Sector::School,
                    id,
                    START,
                    w,
                    ctx,
                    false,
                    false,
                )?;
                self.serve(li, b, START);
                st.movable.push(Movable {
                    branch: b,
                    locs: vec![li],
                });
                k += 1;
            }
            let c = self.codes.tag(&base, "Y");
            let li = self.locality(
                c,
                format!("Trạm y tế {place}"),
                LocalityKind::HealthStation,
                id,
                START,
                0,
            );
            if self.rng.random_bool(0.75) {
                let b = self.branch(
                    &base,
                    format!("Chi bộ Trạm y tế {place}"),
                    OrgKind::Branch,
                    Sector::Health,
                    id,
                    START,
                    5.0,
                    ctx,
                    false,
                    false,
                )?;
                self.serve(li, b, START);
                st.movable.push(Movable {
                    branch: b,
                    locs: vec![li],
                });
            } else {
                st.loose.push(li);
            }
        }

        // Enterprises and cooperatives; some with a branch, a few closing down.
        let ne = match (kind, small) {
            (_, true) => usize::from(self.rng.random_bool(0.3)),
            ("phường", _) => self.rng.random_range(2..=6),
            ("thị trấn", _) => self.rng.random_range(1..=3),
            _ => self.rng.random_range(0..=3),
        };
        for _ in 0..ne {
            let coop = !urban && self.rng.random_bool(0.5);
            let ename = enterprise_name(&mut self.rng, coop, short);
            let (lk, sector) = if coop {
                (LocalityKind::Cooperative, Sector::Cooperative)
            } else {
                (LocalityKind::PrivateEnterprise, Sector::PrivateEnterprise)
            };
            let c = self.codes.tag(&base, "D");
            let li = self.locality(c, ename.clone(), lk, id, START, 0);
            let x: f64 = self.rng.random();
            if x < 0.45 {
                let from = if x < 0.3 {
                    START
                } else {
                    rand_date(&mut self.rng, date(2017, 1, 1), end.min(date(2024, 12, 31)))
                };
                let b = self.branch(
                    &base,
                    format!("Chi bộ {ename}"),
                    OrgKind::Branch,
                    sector,
                    id,
                    from,
                    5.0,
                    ctx,
                    false,
                    false,
                )?;
                self.serve(li, b, from);
                if self.rng.random_bool(0.12) {
                    // The enterprise closes: its branch is dissolved, members transfer out.
                    let at = rand_date(
                        &mut self.rng,
                        add_days(from, 400),
                        end.min(date(2025, 6, 1)),
                    );
                    if at > add_days(from, 30) && at < end {
                        self.end_branch(b, at, None);
                        self.end_locality(li, at);
                        continue;
                    }
                }
                st.movable.push(Movable {
                    branch: b,
                    locs: vec![li],
                });
            } else {
                st.loose.push(li);
            }
        }

        // Village mergers (2019–2020): a village and its branch pass into a neighbour.
        if !small {
            let own: Vec<usize> = (0..st.movable.len())
                .filter(|&m| {
                    st.movable[m].locs.len() == 1
                        && self.g.locs[st.movable[m].locs[0]].loc.kind.is_residential()
                        && self
                            .g
                            .h
                            .unit(st.movable[m].branch)
                            .is_some_and(|u| u.period.from == START)
                })
                .collect();
            let mut busy: Vec<usize> = vec![];
            let mut removed: Vec<OrgId> = vec![];
            for w in own.windows(2) {
                if busy.contains(&w[0]) || !self.rng.random_bool(0.12) {
                    continue;
                }
                let (a, b) = (st.movable[w[0]].clone(), st.movable[w[1]].clone());
                let at = rand_date(&mut self.rng, date(2019, 6, 1), end.min(date(2021, 1, 1)));
                self.end_branch(a.branch, at, Some(b.branch));
                let la = a.locs[0];
                let pa = self.g.locs[la].base_population;
                self.end_locality(la, at);
                self.g.locs[b.locs[0]].absorbed.push((at.year(), pa));
                busy.push(w[0]);
                busy.push(w[1]);
                removed.push(a.branch);
                self.g.ctxs[ctx].villages.retain(|v| *v != a.branch);
            }
            st.movable.retain(|m| !removed.contains(&m.branch));
        }

        // Ngải Thầu merges into A Lù on 1/3/2020.
        if ngai_thau {
            let Some(alu) = self
                .communes
                .iter()
                .position(|c| self.g.h.unit(c.id).is_some_and(|u| u.code == "X02692.L"))
            else {
                return Err(DemoError::Data(
                    "A Lù (02692) must precede Ngải Thầu".into(),
                ));
            };
            let a = self.communes[alu].clone();
            for m in &st.movable {
                self.g.h.move_to(m.branch, a.id, ALU_MERGER);
                for &li in &m.locs {
                    self.relink(li, a.id, ALU_MERGER);
                }
            }
            for &li in &st.loose {
                self.relink(li, a.id, ALU_MERGER);
            }
            self.end_branch(st.agency, ALU_MERGER, Some(a.agency));
            self.end_branch(st.military, ALU_MERGER, Some(a.military));
            self.g.h.close(id, ALU_MERGER);
            self.g
                .h
                .add_lineage(id, a.id, ALU_MERGER, LineageKind::Merge, true);
            let ca = &mut self.communes[alu];
            ca.movable.extend(st.movable);
            ca.loose.extend(st.loose);
            let (res, vil) = (
                self.g.ctxs[ctx].residences.clone(),
                self.g.ctxs[ctx].villages.clone(),
            );
            self.g.ctxs[a.ctx].residences.extend(res);
            self.g.ctxs[a.ctx].villages.extend(vil);
            return Ok(alu);
        }
        self.communes.push(st);
        Ok(self.communes.len() - 1)
    }
}

/// The code of the retired commune Ngải Thầu (between A Lù 02692 and Y Tý 02701).
pub const NGAI_THAU: &str = "02698";

fn village_sector(k: LocalityKind) -> Sector {
    if k == LocalityKind::ResidentialGroup {
        Sector::ResidentialGroup
    } else {
        Sector::Village
    }
}

fn code_base(h: &History, id: OrgId) -> String {
    h.unit(id)
        .map(|u| u.code.trim_end_matches(".L").to_string())
        .unwrap_or_default()
}

pub fn date(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd_opt(y, m, d).unwrap_or(START)
}
