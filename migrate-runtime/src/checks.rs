//! What the derives' compile-time checks call: tables of fields, the traits that tie a
//! contract's version numbers to types, and the `const fn`s that compare two versions.
//!
//! Not public API: reached as `::migrate_runtime::__private` from generated code only. A
//! derive sees the tokens of one item, so a rule across two structs is checked here, while
//! the compiler evaluates the constants the derives emit: a failed rule panics with a
//! message formatted at compile time, shown by rustc as `evaluation panicked: …` on the
//! span the derive chose (the attribute or field at fault).

use core::marker::PhantomData;

use crate::contract::VersionInfo;

/// A version's `N` fields, built from their wire keys (the derive's
/// [`VersionDef::FIELDS`]): `keys` holds each field's wire key in declaration order (a
/// flattened field's name in its place; without flattened fields, the version's
/// `VersionInfo::wire_keys`), `renamed` the Rust name of each field whose key differs from
/// it (by index), `flattened` the index of each `#[serde(flatten)]` field. Each
/// [`FieldDef::hash`] is computed here, when the table is built (only when a check reads
/// it): the usual version is one call with its keys, which the compiler type-checks for far
/// less than a call per field or an array of hashes.
pub const fn fields<const N: usize>(
    keys: &[&'static str],
    renamed: &[(usize, &'static str)],
    flattened: &[usize],
) -> [FieldDef; N] {
    assert!(keys.len() == N, "one key per field");
    let unset = FieldDef {
        name: "",
        key: "",
        flatten: false,
        hash: 0,
    };
    let mut out = [unset; N];
    let mut i = 0;
    while i < N {
        out[i] = FieldDef {
            name: keys[i],
            key: keys[i],
            flatten: false,
            hash: field_hash("k", keys[i]),
        };
        i += 1;
    }
    i = 0;
    while i < renamed.len() {
        out[renamed[i].0].name = renamed[i].1;
        i += 1;
    }
    i = 0;
    while i < flattened.len() {
        let at = flattened[i];
        out[at].flatten = true;
        out[at].hash = field_hash("f", keys[at]);
        i += 1;
    }
    out
}

/// `T::FIELDS`, through a call: a constant that a body names is evaluated with that body
/// (a constant's body, even in a branch not taken; a function's, by the compiler's lints),
/// while one behind a generic call is evaluated only when the call runs. So a version's
/// table of fields is built only when a check actually reads it.
pub const fn fields_of<T: VersionDef + ?Sized>() -> &'static [FieldDef] {
    T::FIELDS
}

/// A top-level field of a version struct, as its derive saw it.
#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    /// The Rust field name.
    pub name: &'static str,
    /// The wire key after serde's `rename` / `rename_all` (the Rust name for a flattened field).
    pub key: &'static str,
    /// Whether the field is `#[serde(flatten)]`: its keys are those of its type.
    pub flatten: bool,
    /// [`field_hash`] of the wire key (`"k"`), or of the name of a flattened field (`"f"`):
    /// lets the checks compare two fields with one integer comparison.
    pub hash: u64,
}

/// The parts of a contract the version derives need: written by `#[derive(Contract)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a contract",
    label = "not a contract",
    note = "add #[derive(Contract)] and #[contract(name = \"…\", versions(…))] to `{Self}`"
)]
pub trait ContractDef: 'static {
    /// The contract's name.
    const NAME: &'static str;
    /// The contract's version key.
    const VERSION_KEY: &'static str;
    /// [`key_bit`] of the version key's [`field_hash`], computed by the derive.
    const VERSION_KEY_BIT: u128;
}

/// The table of a version's fields: written by `#[derive(Versioned)]`.
pub trait VersionDef: 'static {
    /// The struct's top-level fields (skipped fields left out), in declaration order.
    const FIELDS: &'static [FieldDef];
    /// The rest of what the checks read of the version, in one constant (each constant is
    /// a body of its own for the compiler).
    const META: VersionMeta;
    /// The version's fields as a struct that is never built: one public field per field of
    /// [`Self::FIELDS`] under `k_<wire key>` (`f_<name>` when flattened), of the field's
    /// type. In a name, ASCII letters and digits stand for themselves, `_` is doubled, and
    /// any other character is `_<hex code point>_` (`k_schemaVersion`, `k_run__id`,
    /// `k_x_2d_y` for `x-y`), so two keys never share one. The next version's type checks
    /// read the types of these fields: a field access costs the compiler far less than a
    /// trait impl per field did.
    type Wire: ?Sized;
    /// The same fields under their Rust names, `k_<name>` spelled as above, which the next
    /// version's renames read (`renames(old -> new)` names a field of this version). It is
    /// [`Self::Wire`] itself when every field's key is its name and none is flattened (the
    /// usual version: the names are then the keys), and a struct of its own otherwise.
    type Names: ?Sized;
}

/// What the checks read of a version besides its fields ([`VersionDef::META`]).
#[derive(Clone, Copy, Debug)]
pub struct VersionMeta {
    /// The struct's name.
    pub type_name: &'static str,
    /// The name of the contract the struct declares (`#[versioned(contract = …)]`).
    pub contract_name: &'static str,
    /// That contract's version key.
    pub version_key: &'static str,
    /// That contract's [`ContractDef::VERSION_KEY_BIT`].
    pub version_key_bit: u128,
    /// The [`key_bit`]s of the version's wire keys (flattened fields left out), or-ed
    /// together by the derive: when the version key's bit is not among them, no field has
    /// the version key, and [`check_version_key`] need not read the fields.
    pub key_bits: u128,
    /// True when the derive reported an error and emitted a stand-in: checks that would
    /// only repeat that error are skipped.
    pub stub: bool,
    /// [`layout`] of [`VersionDef::FIELDS`], computed by the derive: an edge whose target
    /// keeps this version's fields in place compares it with one integer.
    pub layout: u64,
}

/// Version `V` of a contract: written by `#[derive(Contract)]` for each listed type.
#[diagnostic::on_unimplemented(
    message = "contract `{Self}` has no version {V}",
    label = "no version {V} in the versions(…) of `{Self}`",
    note = "list every version type in the contract's versions(…); an edge's `from` names one of their numbers"
)]
pub trait VersionOf<const V: u32> {
    /// The version's type.
    type Doc: VersionDef;
}

/// A field's [`FieldDef::hash`]: FNV-1a of `kind`, a NUL byte, and the text (`"k"` wire key,
/// `"f"` name of a flattened field). The derive computes the same, and writes it as a literal.
pub const fn field_hash(kind: &str, text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut bytes = kind.as_bytes();
    let mut part = 0;
    while part < 2 {
        let mut i = 0;
        while i < bytes.len() {
            h ^= bytes[i] as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
            i += 1;
        }
        if part == 0 {
            // The NUL separator: `h ^= 0` leaves `h` as it is.
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        bytes = text.as_bytes();
        part += 1;
    }
    h
}

/// Whether an edge's keys line up (`CLEAN`, [`edge_is_clean`]), as a type: picks the fields
/// its type checks read ([`Source`]).
pub struct Gate<const CLEAN: bool>;

/// The fields an edge's type checks read, as structs ([`VersionDef::Wire`], and
/// [`VersionDef::Names`] for renames): its source version's when its keys line up (`P`),
/// and otherwise a struct with the fields the checks name at the types they expect (`X`),
/// so that they pass: a missing or misdeclared field is reported by [`check_edge`], once,
/// and not again as a missing field for every check.
pub trait Source<P: ?Sized, X: ?Sized> {
    /// The fields read by key.
    type Wire: ?Sized;
    /// The fields read by name.
    type Names: ?Sized;
}

impl<P: ?Sized + VersionDef, X: ?Sized> Source<P, X> for Gate<true> {
    type Wire = P::Wire;
    type Names = P::Names;
}

impl<P: ?Sized, X: ?Sized> Source<P, X> for Gate<false> {
    type Wire = X;
    type Names = X;
}

/// Edge `FROM -> TO` of contract `C`, as the type checks carry it (for their message).
pub struct EdgeOf<C: ?Sized, const FROM: u32, const TO: u32>(PhantomData<*const C>);

/// Version `V` of contract `C` as the source of an edge ([`VersionProbe`]'s answer carries
/// it, so that [`Doc::edge`] is told only the edge's target).
pub struct FromVersion<C: ?Sized, const V: u32>(PhantomData<*const C>);

/// Looks up version `V` of contract `C` for the type checks of an edge: resolves to the
/// version's type when `C` has it ([`ViaVersion`]), to [`Unknown`] otherwise ([`NoVersion`],
/// through autoref), so that an unknown `from` is reported once, at `from = N`, and not
/// again for every field.
pub struct VersionProbe<C: ?Sized, const V: u32>(PhantomData<*const C>);

impl<C: ?Sized, const V: u32> VersionProbe<C, V> {
    /// The probe.
    pub const NEW: Self = VersionProbe(PhantomData);
}

/// The probe's answer when the contract has the version.
pub trait ViaVersion {
    /// The version's type.
    type Doc: ?Sized;
    /// [`FromVersion`].
    type From;
    /// The version, to look up its fields.
    fn doc(&self) -> Doc<Self::Doc, Self::From> {
        Doc(PhantomData)
    }
}

impl<C: ?Sized + VersionOf<V>, const V: u32> ViaVersion for VersionProbe<C, V> {
    type Doc = C::Doc;
    type From = FromVersion<C, V>;
}

/// The probe's answer when the contract lacks the version.
pub trait NoVersion {
    /// [`Unknown`].
    type Doc: ?Sized;
    /// [`FromVersion`].
    type From;
    /// The version, to look up its fields.
    fn doc(&self) -> Doc<Self::Doc, Self::From> {
        Doc(PhantomData)
    }
}

impl<C: ?Sized, const V: u32> NoVersion for &VersionProbe<C, V> {
    type Doc = Unknown;
    type From = FromVersion<C, V>;
}

/// Checks that a version is listed by its contract, when the contract is one: resolves
/// through [`ViaContract`] to [`NeedsListing`] when `C` has `#[derive(Contract)]`, and
/// through [`NoContract`] to [`SkipListing`] otherwise (that mistake is reported already).
pub struct ListingProbe<C: ?Sized, const V: u32>(PhantomData<*const C>);

impl<C: ?Sized, const V: u32> ListingProbe<C, V> {
    /// The probe.
    pub const NEW: Self = ListingProbe(PhantomData);
}

/// The listing probe's answer for a contract.
pub trait ViaContract {
    /// [`NeedsListing`].
    type Check;
    /// The check.
    fn check(&self) -> Self::Check;
}

impl<C: ?Sized + ContractDef, const V: u32> ViaContract for ListingProbe<C, V> {
    type Check = NeedsListing<C, V>;
    fn check(&self) -> Self::Check {
        NeedsListing(PhantomData)
    }
}

/// The listing probe's answer for a type that is not a contract.
pub trait NoContract {
    /// [`SkipListing`].
    type Check;
    /// The check.
    fn check(&self) -> Self::Check;
}

impl<C: ?Sized, const V: u32> NoContract for &ListingProbe<C, V> {
    type Check = SkipListing;
    fn check(&self) -> Self::Check {
        SkipListing
    }
}

/// Version `V` must be listed by contract `C`.
pub struct NeedsListing<C: ?Sized, const V: u32>(PhantomData<*const C>);

impl<C: ?Sized, const V: u32> NeedsListing<C, V> {
    /// Compiles only when `C` lists a version `V`.
    pub fn listed(self)
    where
        C: VersionOf<V>,
    {
    }
}

/// Nothing to check.
pub struct SkipListing;

impl SkipListing {
    /// Nothing.
    pub fn listed(self) {}
}

/// A version that does not exist (an unknown `from = N`), and the version the type checks of
/// an edge whose keys do not line up look at ([`Gate`]): it has no fields and asks nothing.
pub struct Unknown;

impl VersionDef for Unknown {
    const FIELDS: &'static [FieldDef] = &[];
    const META: VersionMeta = VersionMeta {
        type_name: "an unknown version",
        contract_name: "",
        version_key: "",
        version_key_bit: 0,
        key_bits: 0,
        stub: true,
        layout: layout(&[]),
    };
    // No field: an edge from an unknown version is clean only when it declares every one of
    // its fields added, and then there is no field to check.
    type Wire = Unknown;
    type Names = Unknown;
}

/// A version as the source of an edge (`E` = [`FromVersion`]), or (after [`Doc::edge`],
/// `E` = [`EdgeOf`]) the fields the checks of the edge read.
pub struct Doc<P: ?Sized, E>(PhantomData<(*const P, E)>);

impl<P: ?Sized, C: ?Sized, const FROM: u32> Doc<P, FromVersion<C, FROM>> {
    /// This version (`FROM` of contract `C`) as the source of edge `FROM -> TO`, whose keys
    /// line up when `CLEAN` ([`edge_is_clean`]): the fields its type checks read, this
    /// version's when `CLEAN`, the stand-in `X` otherwise ([`Source`]).
    #[allow(clippy::type_complexity)]
    pub fn edge<const TO: u32, const CLEAN: bool, X: ?Sized>(
        self,
    ) -> Doc<<Gate<CLEAN> as Source<P, X>>::Wire, EdgeOf<C, FROM, TO>>
    where
        Gate<CLEAN>: Source<P, X>,
    {
        Doc(PhantomData)
    }

    /// The fields the renames of edge `FROM -> TO` read, by name: this version's when
    /// `CLEAN`, the stand-in `X` otherwise ([`Source`]).
    #[allow(clippy::type_complexity)]
    pub fn names<const TO: u32, const CLEAN: bool, X: ?Sized>(
        &self,
    ) -> Doc<<Gate<CLEAN> as Source<P, X>>::Names, EdgeOf<C, FROM, TO>>
    where
        Gate<CLEAN>: Source<P, X>,
    {
        Doc(PhantomData)
    }
}

/// `Doc::kept<n>`, the type checks of `n` fields: compiles only when each argument (a
/// field of the source version's fields, `__w.k_…`, moved out of a struct that is never
/// built) has the type at its place in the turbofish, the field's type in the target
/// ([`SameType`]). One call checks a group of fields, and a field whose type changed is
/// still reported on its own, at its argument, with [`SameType`]'s message. (A field read
/// by value costs the compiler less than a `&raw const` pointer to it, and says the same.)
macro_rules! kept {
    ($name:ident $($new:ident)+) => {
        /// The type checks of a group of fields (see the `kept` macro).
        #[allow(clippy::too_many_arguments)]
        pub fn $name<$($new),+>(&self, $(_: impl SameType<$new, C, FROM, TO>),+) {}
    };
}

impl<W: ?Sized, C: ?Sized, const FROM: u32, const TO: u32> Doc<W, EdgeOf<C, FROM, TO>> {
    /// The fields to read: none at run time (the checks are never run, only compiled); the
    /// derive moves them out of it in an `if let`, for their types.
    pub fn wire(&self) -> Option<W>
    where
        W: Sized,
    {
        None
    }

    kept!(kept1 N0);
    kept!(kept2 N0 N1);
    kept!(kept3 N0 N1 N2);
    kept!(kept4 N0 N1 N2 N3);
    kept!(kept5 N0 N1 N2 N3 N4);
    kept!(kept6 N0 N1 N2 N3 N4 N5);
    kept!(kept7 N0 N1 N2 N3 N4 N5 N6);
    kept!(kept8 N0 N1 N2 N3 N4 N5 N6 N7);
    kept!(kept9 N0 N1 N2 N3 N4 N5 N6 N7 N8);
    kept!(kept10 N0 N1 N2 N3 N4 N5 N6 N7 N8 N9);
    kept!(kept11 N0 N1 N2 N3 N4 N5 N6 N7 N8 N9 N10);
    kept!(kept12 N0 N1 N2 N3 N4 N5 N6 N7 N8 N9 N10 N11);
    kept!(kept13 N0 N1 N2 N3 N4 N5 N6 N7 N8 N9 N10 N11 N12);
    kept!(kept14 N0 N1 N2 N3 N4 N5 N6 N7 N8 N9 N10 N11 N12 N13);
    kept!(kept15 N0 N1 N2 N3 N4 N5 N6 N7 N8 N9 N10 N11 N12 N13 N14);
    kept!(kept16 N0 N1 N2 N3 N4 N5 N6 N7 N8 N9 N10 N11 N12 N13 N14 N15);
}

/// The most fields one `Doc::kept<n>` checks: the derive splits longer lists.
pub const KEPT_MAX: usize = 16;

/// Holds when a field of type `Self` in version `FROM` of contract `C` keeps its type `New`
/// in version `TO`. (The old type is `Self`, read from the source's field, so that the
/// compiler waits for it instead of taking it from the one implementation.)
#[diagnostic::on_unimplemented(
    message = "`{C}` {FROM} -> {TO} changes the type of this field from `{Self}` to `{New}`",
    label = "was `{Self}` in version {FROM}",
    note = "declare converts(<this field>) with a `with` function that builds the new value, or keep the type `{Self}`"
)]
pub trait SameType<New: ?Sized, C: ?Sized, const FROM: u32, const TO: u32> {}

impl<T: ?Sized, C: ?Sized, const FROM: u32, const TO: u32> SameType<T, C, FROM, TO> for T {}

/// Holds when `Self` is a version of contract `C`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a version of `{C}`",
    label = "not a version of `{C}`",
    note = "each type in versions(…) needs #[derive(Versioned)] and #[versioned(contract = {C}, version = …)]"
)]
pub trait BelongsTo<C> {}

/// Compiles only when `V` is a version of `C`.
pub fn belongs_to<V: BelongsTo<C>, C>() {}

/// The number under which the `i`-th listed version is registered as `VersionOf<_>`: its
/// version, or a stand-in when an earlier listed version has the same number (reported by
/// [`check_order`]; the stand-in keeps the impls from conflicting).
pub const fn slot(versions: &[u32], i: usize) -> u32 {
    let mut j = 0;
    while j < i {
        if versions[j] == versions[i] {
            return u32::MAX - i as u32;
        }
        j += 1;
    }
    versions[i]
}

/// The wire key of the field named `name`, or `name` itself when there is none (reported by
/// the edge checks).
pub const fn wire_key(fields: &'static [FieldDef], name: &'static str) -> &'static str {
    let i = by_name(fields, name);
    if i == usize::MAX {
        name
    } else {
        fields[i].key
    }
}

/// An edge as the checks see it: both sides' fields and the declared lists (Rust names).
#[derive(Debug, Clone, Copy)]
pub struct EdgeDef {
    /// The contract's name.
    pub contract: &'static str,
    /// The source version.
    pub from: u32,
    /// The target version.
    pub to: u32,
    /// The source version's type name.
    pub prev: &'static str,
    /// The source version's fields.
    pub prev_fields: &'static [FieldDef],
    /// The target version's type name.
    pub this: &'static str,
    /// The target version's fields.
    pub this_fields: &'static [FieldDef],
    /// `removes(…)`: fields of the source.
    pub removes: &'static [&'static str],
    /// `renames(old -> new)`: a field of the source, a field of the target.
    pub renames: &'static [(&'static str, &'static str)],
    /// `adds_defaulted(…)`: fields of the target.
    pub adds_defaulted: &'static [&'static str],
    /// `adds(…)`: fields of the target.
    pub adds: &'static [&'static str],
    /// `converts(…)`: fields of the target.
    pub converts: &'static [&'static str],
}

/// Rule 1: every field of the source is kept, removed or renamed.
const fn drops(e: &EdgeDef) -> Msg {
    // A name in removes(…) or renames(…) that the source lacks is reported by itself; the
    // drop it leaves behind would only repeat it.
    let mut j = 0;
    while j < e.removes.len() {
        if by_name(e.prev_fields, e.removes[j]) == usize::MAX {
            return Msg::new();
        }
        j += 1;
    }
    j = 0;
    while j < e.renames.len() {
        if by_name(e.prev_fields, e.renames[j].0) == usize::MAX {
            return Msg::new();
        }
        j += 1;
    }
    // Fields gone from the target, and fields still there under the same Rust name whose
    // wire key moved (a `rename_all` or `rename` added in the new version: the usual way to
    // drop a key without noticing).
    let mut gone = [0usize; 64];
    let mut gone_count = 0;
    let mut all = Msg::new();
    let mut i = 0;
    while i < e.prev_fields.len() {
        let p = &e.prev_fields[i];
        let dropped = by_key(e.this_fields, p) == usize::MAX
            && !contains(e.removes, p.name)
            && !in_renames(e.renames, p.name, Side::Old);
        if dropped {
            let same_name = by_name(e.this_fields, p.name);
            if same_name != usize::MAX && !p.flatten {
                let t = &e.this_fields[same_name];
                let m = edge_head(e)
                    .push(" drops the wire key `")
                    .push(p.key)
                    .push("`: field `")
                    .push(p.name)
                    .push("` of ")
                    .push(e.this)
                    .push(" is `")
                    .push(t.key)
                    .push("` on disk; keep the key with #[serde(rename = \"")
                    .push(p.key)
                    .push("\")], or declare renames(")
                    .push(p.name)
                    .push(" -> ")
                    .push(p.name)
                    .push(") to move it");
                all = all.join(m);
            } else if gone_count < gone.len() {
                gone[gone_count] = i;
                gone_count += 1;
            }
        }
        i += 1;
    }
    if gone_count == 0 {
        return all;
    }
    let mut m = edge_head(e).push(" drops ");
    let mut k = 0;
    while k < gone_count {
        if k > 0 {
            m = m.push(", ");
        }
        m = push_field(m, &e.prev_fields[gone[k]]);
        k += 1;
    }
    m = m.push(if gone_count == 1 {
        ": keep it in "
    } else {
        ": keep them in "
    });
    m = m.push(e.this).push(", or declare removes(");
    k = 0;
    while k < gone_count {
        if k > 0 {
            m = m.push(", ");
        }
        m = m.push(e.prev_fields[gone[k]].name);
        k += 1;
    }
    m = m
        .push(") or renames(")
        .push(e.prev_fields[gone[0]].name)
        .push(" -> …)");
    all.join(m)
}

/// Rule 2: field `i` of the target, declared nowhere, is carried over from the source.
const fn carried(e: &EdgeDef, i: usize) -> Msg {
    let f = &e.this_fields[i];
    if by_key(e.prev_fields, f) != usize::MAX {
        return Msg::new();
    }
    let j = by_name(e.prev_fields, f.name);
    if j != usize::MAX && !f.flatten {
        let p = &e.prev_fields[j];
        if !contains(e.removes, p.name) && !in_renames(e.renames, p.name, Side::Old) {
            return Msg::new(); // the field's old key is reported by `check_drops`, with the fix
        }
    }
    let mut m = edge_head(e).push(" adds ");
    m = push_field(m, f).push(" without declaring it: ");
    if j != usize::MAX && !f.flatten {
        let p = &e.prev_fields[j];
        m = m
            .push("its wire key changed from `")
            .push(p.key)
            .push("` in ")
            .push(e.prev)
            .push(" to `")
            .push(f.key)
            .push("`; keep the key with #[serde(rename = \"")
            .push(p.key)
            .push("\")], or declare renames(")
            .push(f.name)
            .push(" -> ")
            .push(f.name)
            .push(")");
    } else {
        m = m
            .push("declare adds_defaulted(")
            .push(f.name)
            .push(") if it has a default, adds(")
            .push(f.name)
            .push(") with a `with` function, or renames(<old> -> ")
            .push(f.name)
            .push(") if it was renamed");
    }
    m
}

/// Rule 5: a field declared in `adds_defaulted` / `adds` (`list`) is new in the target.
const fn added(e: &EdgeDef, i: usize, list: &str) -> Msg {
    let f = &e.this_fields[i];
    if by_key(e.prev_fields, f) == usize::MAX {
        return Msg::new();
    }
    let m = edge_head(e)
        .push(" declares ")
        .push(list)
        .push("(")
        .push(f.name)
        .push("), but ")
        .push(e.prev)
        .push(" already has ");
    push_field(m, f)
        .push(": it is carried over, not added; remove it from ")
        .push(list)
        .push("(…)")
}

/// Rule 5: a field declared in `converts` (and not renamed) exists in the source.
const fn converted(e: &EdgeDef, i: usize) -> Msg {
    let f = &e.this_fields[i];
    if by_key(e.prev_fields, f) != usize::MAX {
        return Msg::new();
    }
    let m = edge_head(e)
        .push(" converts `")
        .push(f.name)
        .push("`, but ")
        .push(e.prev)
        .push(" has no ");
    push_field(m, f)
        .push(": a converted field exists on both sides; declare it in adds(…) if it is new, or renames(<old> -> ")
        .push(f.name)
        .push(") if it was renamed")
}

/// Rule 5: `removes(…)` entry `j` names a field of the source that the target no longer has.
const fn remove(e: &EdgeDef, j: usize) -> Msg {
    let name = e.removes[j];
    let i = by_name(e.prev_fields, name);
    if i == usize::MAX {
        let m = edge_head(e)
            .push(" removes `")
            .push(name)
            .push("`, but ")
            .push(e.prev)
            .push(" has no field `")
            .push(name)
            .push("`");
        return push_names(m.push(": its fields are "), e.prev_fields);
    }
    let p = &e.prev_fields[i];
    let t = by_key(e.this_fields, p);
    if t != usize::MAX {
        let m = edge_head(e)
            .push(" removes `")
            .push(name)
            .push("`, but ")
            .push(e.this)
            .push(" still has ");
        let m = push_field(m, &e.this_fields[t])
            .push(": delete the field from ")
            .push(e.this)
            .push(", or drop it from removes(…)");
        return m;
    }
    Msg::new()
}

/// Rule 5: `renames(…)` entry `j` moves an existing field of the source to a new key.
const fn rename(e: &EdgeDef, j: usize) -> Msg {
    let (old, new) = e.renames[j];
    let i = by_name(e.prev_fields, old);
    if i == usize::MAX {
        let m = edge_head(e)
            .push(" renames `")
            .push(old)
            .push("`, but ")
            .push(e.prev)
            .push(" has no field `")
            .push(old)
            .push("`");
        return push_names(m.push(": its fields are "), e.prev_fields);
    }
    let p = &e.prev_fields[i];
    let n = by_name(e.this_fields, new);
    if n == usize::MAX {
        return Msg::new(); // reported by the derive itself
    }
    let t = &e.this_fields[n];
    if eq(p.key, t.key) {
        let m = edge_head(e)
            .push(" renames(")
            .push(old)
            .push(" -> ")
            .push(new)
            .push("), but both have the wire key `")
            .push(p.key)
            .push("`: nothing moves on disk; remove it from renames(…)");
        return m;
    }
    let still = by_key(e.this_fields, p);
    if still != usize::MAX {
        let m = edge_head(e)
            .push(" renames(")
            .push(old)
            .push(" -> ")
            .push(new)
            .push("), but ")
            .push(e.this)
            .push(" still has ");
        let m = push_field(m, &e.this_fields[still])
            .push(": a renamed field moves; delete the old field from ")
            .push(e.this);
        return m;
    }
    let taken = by_key(e.prev_fields, t);
    if taken != usize::MAX {
        let m = edge_head(e)
            .push(" renames(")
            .push(old)
            .push(" -> ")
            .push(new)
            .push("), but ")
            .push(e.prev)
            .push(" already has ");
        let m = push_field(m, &e.prev_fields[taken])
            .push(": the rename would overwrite it; declare removes(")
            .push(e.prev_fields[taken].name)
            .push(") as well, or rename to another field");
        return m;
    }
    Msg::new()
}

/// Rule 6: a field's wire key is not the contract's version key.
const fn version_key_field(meta: &VersionMeta, f: &FieldDef) -> Msg {
    let (name, key) = (f.name, f.key);
    if f.flatten || !eq(meta.version_key, key) {
        return Msg::new();
    }
    Msg::new()
        .push(meta.contract_name)
        .push(": field `")
        .push(name)
        .push("` of ")
        .push(meta.type_name)
        .push(" has the wire key `")
        .push(key)
        .push("`, the contract's version key, which the runtime reads and writes itself: remove the field, or give it another key with #[serde(rename = \"…\")]")
}

/// A wire key's bit in [`VersionMeta::key_bits`], from its [`field_hash`]. The derives
/// compute the same at expansion time.
pub const fn key_bit(hash: u64) -> u128 {
    1 << (hash % 128)
}

/// Whether a field of the version may have the version key: false settles
/// [`check_version_key`] without reading the version's fields (each evaluated constant costs
/// the compiler an interpretation).
pub const fn key_may_collide(meta: &VersionMeta) -> bool {
    meta.key_bits & meta.version_key_bit != 0
}

/// Rule 6: no field of a version (`meta`, `fields`) has its contract's version key as its
/// wire key.
pub const fn check_version_key(meta: &VersionMeta, fields: &[FieldDef]) {
    // One hash for the version key, compared with each field's: the text is compared only
    // on the way to a message (which names only true matches).
    let hash = field_hash("k", meta.version_key);
    let mut clean = true;
    let mut i = 0;
    while i < fields.len() {
        clean = clean && (fields[i].flatten || fields[i].hash != hash);
        i += 1;
    }
    if clean {
        return;
    }
    let mut all = Msg::new();
    i = 0;
    while i < fields.len() {
        all = all.join(version_key_field(meta, &fields[i]));
        i += 1;
    }
    if all.len > 0 {
        fail(&all)
    }
}

/// Rules 1, 2 and 5 for one edge: every problem, one per line.
pub const fn check_edge(e: &EdgeDef) {
    // Messages are only built when something is wrong: the compiler interprets this code,
    // and a clean edge should cost it next to nothing.
    if edge_is_clean(e) {
        return;
    }
    let mut all = Msg::new();
    let mut j = 0;
    while j < e.removes.len() {
        all = all.join(remove(e, j));
        j += 1;
    }
    j = 0;
    while j < e.renames.len() {
        all = all.join(rename(e, j));
        j += 1;
    }
    all = all.join(drops(e));
    let mut i = 0;
    while i < e.this_fields.len() {
        let name = e.this_fields[i].name;
        let renamed = in_renames(e.renames, name, Side::New);
        let m = if contains(e.adds_defaulted, name) {
            added(e, i, "adds_defaulted")
        } else if contains(e.adds, name) {
            added(e, i, "adds")
        } else if contains(e.converts, name) {
            if renamed {
                Msg::new()
            } else {
                converted(e, i)
            }
        } else if renamed {
            Msg::new()
        } else {
            carried(e, i)
        };
        all = all.join(m);
        i += 1;
    }
    if all.len > 0 {
        fail(&all)
    }
}

/// A rule the version derive found broken by itself: `"<contract> <from> -> <to> <what>"`.
pub const fn edge_error(contract: &str, from: u32, to: u32, what: &str) {
    let m = Msg::new()
        .push(contract)
        .push(" ")
        .push_u32(from)
        .push(" -> ")
        .push_u32(to)
        .push(" ")
        .push(what);
    fail(&m)
}

/// Rule 6: the `i`-th listed version has a number of its own, greater than the one before.
pub const fn check_order(contract: &str, versions: &[VersionInfo], i: usize) {
    let v = &versions[i];
    let mut j = 0;
    while j < i {
        let w = &versions[j];
        if w.version == v.version {
            let m = Msg::new()
                .push(contract)
                .push(" has two versions numbered ")
                .push_u32(v.version)
                .push(": ")
                .push(w.type_name)
                .push(" and ")
                .push(v.type_name)
                .push("; give each version its own number, or list the type once");
            fail(&m)
        }
        j += 1;
    }
    if i > 0 && versions[i - 1].version > v.version {
        let w = &versions[i - 1];
        let m = Msg::new()
            .push(contract)
            .push(" lists ")
            .push(v.type_name)
            .push(" (version ")
            .push_u32(v.version)
            .push(") after ")
            .push(w.type_name)
            .push(" (version ")
            .push_u32(w.version)
            .push("): list versions(…) oldest first, the current one last");
        fail(&m)
    }
}

/// The most versions the reachability check handles (more are not checked).
const REACH_CAP: usize = 256;

/// Which listed versions have a chain of edges to the current one, or `None` when that is
/// not checked: versions out of order, numbered twice, of another contract or with broken
/// edges are reported by their own checks, and a missing chain would only repeat them.
const fn reachable(
    contract: &str,
    versions: &[VersionInfo],
    contracts: &[&str],
    stubs: &[bool],
) -> Option<[bool; REACH_CAP]> {
    let n = versions.len();
    if n == 0
        || n > REACH_CAP
        || any(stubs)
        || !increasing(versions)
        || !all_of(contract, contracts)
    {
        return None;
    }
    // Versions are increasing and edges lead forward, so one pass from the newest version
    // down settles every version.
    let mut reach = [false; REACH_CAP];
    reach[n - 1] = true;
    let mut t = n;
    while t > 0 {
        t -= 1;
        if !reach[t] {
            continue;
        }
        let mut k = 0;
        while k < versions[t].edges.len() {
            let from = index_of(versions, versions[t].edges[k].from);
            if from < n {
                reach[from] = true;
            }
            k += 1;
        }
    }
    Some(reach)
}

/// Whether [`check_order`] and [`check_reachable`] pass for every listed version (versions
/// strictly increasing, each with a chain of edges to the current one): evaluated once per
/// contract, so that the checks of each version run only when one fails.
pub const fn contract_is_clean(
    contract: &str,
    versions: &[VersionInfo],
    contracts: &[&str],
    stubs: &[bool],
) -> bool {
    if !increasing(versions) {
        return false;
    }
    // Where reachability is not checked, `check_reachable` passes.
    let Some(reach) = reachable(contract, versions, contracts, stubs) else {
        return true;
    };
    let mut i = 0;
    while i < versions.len() {
        if !reach[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Rule 6: a chain of edges leads from the `i`-th listed version to the current one.
pub const fn check_reachable(
    contract: &str,
    versions: &[VersionInfo],
    contracts: &[&str],
    stubs: &[bool],
    i: usize,
) {
    let Some(reach) = reachable(contract, versions, contracts, stubs) else {
        return;
    };
    if reach[i] {
        return;
    }
    let n = versions.len();
    let v = &versions[i];
    let m = Msg::new()
        .push(contract)
        .push(" version ")
        .push_u32(v.version)
        .push(" (")
        .push(v.type_name)
        .push(") has no chain of edges to the current version ")
        .push_u32(versions[n - 1].version)
        .push(": add #[migration(from = ")
        .push_u32(v.version)
        .push(")] to a newer version, or remove ")
        .push(v.type_name)
        .push(" from versions(…)");
    fail(&m)
}

/// `unversioned = N` names a listed version.
pub const fn check_unversioned(contract: &str, versions: &[VersionInfo], n: u32) {
    if index_of(versions, n) != usize::MAX {
        return;
    }
    let m = Msg::new()
        .push(contract)
        .push(" declares unversioned = ")
        .push_u32(n)
        .push(", but has no version ")
        .push_u32(n)
        .push(": name a version listed in versions(…)");
    fail(&m)
}

/// A version's [`VersionMeta::layout`]: FNV-1a 64 over its fields in order, each as its
/// `flatten` flag (one byte) and its [`FieldDef::hash`] (eight bytes, little-endian). The
/// derive computes the same at expansion time, for its version's fields and, for an edge
/// without removes or renames, for the fields it expects the source to have (its own, minus
/// the declared additions): when the source's layout is that one, the edge keeps the source's
/// fields in place and adds exactly the fields it declares, and is clean ([`edge_is_clean`]),
/// which the compiler then learns from one comparison of two integers instead of a walk
/// over two tables of fields (the compiler interprets this code, and that walk was most of a
/// contract's checking time). A declared addition cannot also be in the source: the target
/// would then have its key twice (added, and kept among the others), and a version with two
/// fields on one key is refused by its own derive. Two layouts are told apart by a 64-bit hash, as two keys
/// are.
pub const fn layout(fields: &[FieldDef]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < fields.len() {
        h ^= fields[i].flatten as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        let bytes = fields[i].hash.to_le_bytes();
        let mut b = 0;
        while b < 8 {
            h ^= bytes[b] as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
            b += 1;
        }
        i += 1;
    }
    h
}

/// Whether no rule of [`check_edge`] is broken (the same conditions, without messages).
/// The edge's type checks read its source's fields only when it holds ([`Gate`]); the
/// derive asks it only of an edge whose source does not have the [`layout`] it expects.
pub const fn edge_is_clean(e: &EdgeDef) -> bool {
    let mut j = 0;
    while j < e.removes.len() {
        let i = by_name(e.prev_fields, e.removes[j]);
        if i == usize::MAX || by_key(e.this_fields, &e.prev_fields[i]) != usize::MAX {
            return false;
        }
        j += 1;
    }
    j = 0;
    while j < e.renames.len() {
        let i = by_name(e.prev_fields, e.renames[j].0);
        if i == usize::MAX {
            return false;
        }
        let n = by_name(e.this_fields, e.renames[j].1);
        if n != usize::MAX {
            let (p, t) = (&e.prev_fields[i], &e.this_fields[n]);
            if eq(p.key, t.key)
                || by_key(e.this_fields, p) != usize::MAX
                || by_key(e.prev_fields, t) != usize::MAX
            {
                return false;
            }
        }
        j += 1;
    }
    let mut i = 0;
    while i < e.prev_fields.len() {
        let p = &e.prev_fields[i];
        if by_key_near(e.this_fields, p, i) == usize::MAX
            && !contains(e.removes, p.name)
            && !in_renames(e.renames, p.name, Side::Old)
        {
            return false;
        }
        i += 1;
    }
    i = 0;
    while i < e.this_fields.len() {
        let f = &e.this_fields[i];
        let in_prev = by_key_near(e.prev_fields, f, i) != usize::MAX;
        let renamed = in_renames(e.renames, f.name, Side::New);
        let ok = if contains(e.adds_defaulted, f.name) || contains(e.adds, f.name) {
            !in_prev
        } else if renamed {
            true
        } else {
            // converts(…) and carried fields both exist in the source.
            in_prev
        };
        if !ok {
            return false;
        }
        i += 1;
    }
    true
}

const fn increasing(versions: &[VersionInfo]) -> bool {
    let mut i = 1;
    while i < versions.len() {
        if versions[i - 1].version >= versions[i].version {
            return false;
        }
        i += 1;
    }
    true
}

const fn all_of(contract: &str, contracts: &[&str]) -> bool {
    let mut i = 0;
    while i < contracts.len() {
        if !eq(contracts[i], contract) {
            return false;
        }
        i += 1;
    }
    true
}

const fn any(flags: &[bool]) -> bool {
    let mut i = 0;
    while i < flags.len() {
        if flags[i] {
            return true;
        }
        i += 1;
    }
    false
}

const fn index_of(versions: &[VersionInfo], version: u32) -> usize {
    let mut i = 0;
    while i < versions.len() {
        if versions[i].version == version {
            return i;
        }
        i += 1;
    }
    usize::MAX
}

const fn edge_head(e: &EdgeDef) -> Msg {
    Msg::new()
        .push(e.contract)
        .push(" ")
        .push_u32(e.from)
        .push(" -> ")
        .push_u32(e.to)
}

/// "`name`", with "(wire key `key`)" when the two differ.
const fn push_field(m: Msg, f: &FieldDef) -> Msg {
    let m = m.push("`").push(f.name).push("`");
    if f.flatten {
        m.push(" (flattened)")
    } else if eq(f.name, f.key) {
        m
    } else {
        m.push(" (wire key `").push(f.key).push("`)")
    }
}

const fn push_names(mut m: Msg, fields: &[FieldDef]) -> Msg {
    if fields.is_empty() {
        return m.push("none");
    }
    let mut i = 0;
    while i < fields.len() {
        if i > 0 {
            m = m.push(", ");
        }
        m = m.push("`").push(fields[i].name).push("`");
        i += 1;
    }
    m
}

/// The index of the field of `fields` that `f` (a field of the other version) matches on
/// the wire: same wire key, or same flattened field, told by [`FieldDef::hash`] alone.
/// (Comparing the texts as well was most of a clean edge's cost to the compiler, which
/// interprets this code. Should two keys ever share a hash, the type checks, which read
/// the source's fields by their keys' text ([`VersionDef::Wire`]), fail to compile.)
const fn by_key(fields: &[FieldDef], f: &FieldDef) -> usize {
    let mut i = 0;
    while i < fields.len() {
        let g = &fields[i];
        if g.hash == f.hash && g.flatten == f.flatten {
            return i;
        }
        i += 1;
    }
    usize::MAX
}

/// [`by_key`], trying position `near` first: consecutive versions mostly keep their fields
/// in order (adding new ones at the end), so a clean edge is checked in one pass instead of
/// a scan per field (the compiler interprets this code; it was most of the checks' cost).
const fn by_key_near(fields: &[FieldDef], f: &FieldDef, near: usize) -> usize {
    if near < fields.len() {
        let g = &fields[near];
        if g.hash == f.hash && g.flatten == f.flatten {
            return near;
        }
    }
    by_key(fields, f)
}

const fn by_name(fields: &[FieldDef], name: &str) -> usize {
    let mut i = 0;
    while i < fields.len() {
        if eq(fields[i].name, name) {
            return i;
        }
        i += 1;
    }
    usize::MAX
}

const fn contains(list: &[&str], name: &str) -> bool {
    let mut i = 0;
    while i < list.len() {
        if eq(list[i], name) {
            return true;
        }
        i += 1;
    }
    false
}

/// Which side of `renames(old -> new)` a key is looked up on.
#[derive(Clone, Copy)]
enum Side {
    Old,
    New,
}

/// Whether `name` is the old (or new) key of one of `renames`.
const fn in_renames(renames: &[(&str, &str)], name: &str, side: Side) -> bool {
    let mut i = 0;
    while i < renames.len() {
        let key = match side {
            Side::Old => renames[i].0,
            Side::New => renames[i].1,
        };
        if eq(key, name) {
            return true;
        }
        i += 1;
    }
    false
}

const fn eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Fails compilation with `m`, reported at the caller (the check that failed).
#[track_caller]
const fn fail(m: &Msg) -> ! {
    panic!("{}", m.as_str())
}

/// A message built at compile time (a `const fn` cannot use `format!`).
struct Msg {
    buf: [u8; Msg::CAP],
    len: usize,
}

impl Msg {
    const CAP: usize = 4096;

    const fn new() -> Self {
        Msg {
            buf: [0; Msg::CAP],
            len: 0,
        }
    }

    const fn push(mut self, s: &str) -> Self {
        let bytes = s.as_bytes();
        // Cut on a character boundary so that the text stays valid UTF-8.
        let mut end = bytes.len();
        if self.len + end > Msg::CAP {
            end = Msg::CAP - self.len;
            while end > 0 && (bytes[end] & 0xC0) == 0x80 {
                end -= 1;
            }
        }
        let mut i = 0;
        while i < end {
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    /// `self` and `other` on separate lines.
    const fn join(self, other: Msg) -> Self {
        if other.len == 0 {
            return self;
        }
        let (text, _) = other.buf.split_at(other.len);
        let mut m = if self.len == 0 { self } else { self.push("\n") };
        let mut i = 0;
        while i < text.len() && m.len < Msg::CAP {
            m.buf[m.len] = text[i];
            m.len += 1;
            i += 1;
        }
        m
    }

    const fn push_u32(mut self, n: u32) -> Self {
        let mut digits = [0u8; 10];
        let mut count = 0;
        let mut n = n;
        loop {
            digits[count] = b'0' + (n % 10) as u8;
            count += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        while count > 0 && self.len < Msg::CAP {
            count -= 1;
            self.buf[self.len] = digits[count];
            self.len += 1;
        }
        self
    }

    const fn as_str(&self) -> &str {
        let (text, _) = self.buf.split_at(self.len);
        match core::str::from_utf8(text) {
            Ok(s) => s,
            Err(_) => "migrate: a compile-time check failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_format_numbers_and_text() {
        let m = Msg::new()
            .push("run-state ")
            .push_u32(0)
            .push(" -> ")
            .push_u32(4_294_967_295);
        assert_eq!(m.as_str(), "run-state 0 -> 4294967295");
    }

    #[test]
    fn messages_cut_on_a_character_boundary() {
        let mut m = Msg::new();
        while m.len < Msg::CAP - 1 {
            m = m.push("a");
        }
        let m = m.push("…");
        assert_eq!(m.len, Msg::CAP - 1);
        assert!(m.as_str().ends_with('a'));
    }

    #[test]
    fn field_hashes_are_fnv1a_of_kind_nul_text() {
        // FNV-1a 64 of "k\0id", computed independently.
        let mut h: u64 = 0xcbf29ce484222325;
        for b in b"k\0id" {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x100000001b3);
        }
        assert_eq!(field_hash("k", "id"), h);
        // The derive's copy of the hash checks the same value.
        assert_eq!(h, 16_928_280_949_471_346_179);
        assert_ne!(field_hash("k", "id"), field_hash("n", "id"));
    }

    #[test]
    fn layout_is_what_the_derive_computes() {
        // The derive's unit test `layout_matches_the_runtime` checks the same value.
        let fields = [
            field("id", "id", false, field_hash("k", "id")),
            field("x", "x", true, field_hash("f", "x")),
        ];
        assert_eq!(layout(&fields), 1_983_445_447_536_592_035);
        assert_eq!(layout(&[]), 0xcbf2_9ce4_8422_2325);
    }

    fn field(name: &'static str, key: &'static str, flatten: bool, hash: u64) -> FieldDef {
        FieldDef {
            name,
            key,
            flatten,
            hash,
        }
    }

    #[test]
    fn fields_builds_each_kind_of_field() {
        // What the derive writes for `id`, `run_id` under `#[serde(rename = "runId")]`, and
        // a flattened `extra`: the keys (the flattened field's name in its place), then the
        // renamed field's name and the flattened field's index. A key's hash is of kind "k",
        // a flattened field's of kind "f".
        let built: [FieldDef; 3] = fields(&["id", "runId", "extra"], &[(1, "run_id")], &[2]);
        let expected = [
            field("id", "id", false, field_hash("k", "id")),
            field("run_id", "runId", false, field_hash("k", "runId")),
            field("extra", "extra", true, field_hash("f", "extra")),
        ];
        for (b, e) in built.iter().zip(&expected) {
            assert_eq!(
                (b.name, b.key, b.flatten, b.hash),
                (e.name, e.key, e.flatten, e.hash)
            );
        }
        // In a constant, as the derive uses it.
        const BUILT: &[FieldDef] = &fields::<2>(&["a", "b"], &[], &[]);
        assert_eq!(BUILT.len(), 2);
        assert_eq!(
            (BUILT[1].name, BUILT[1].key, BUILT[1].hash),
            ("b", "b", field_hash("k", "b"))
        );
    }

    const POOL: [&str; 8] = ["a", "b", "c", "d", "e", "f", "g", "h"];

    fn table(names: &[&'static str]) -> &'static [FieldDef] {
        let fields: Vec<FieldDef> = names
            .iter()
            .map(|n| field(n, n, false, field_hash("k", n)))
            .collect();
        Box::leak(fields.into_boxed_slice())
    }

    /// Edge `prev -> this` that declares the fields of `this` at `added` with
    /// adds_defaulted(…).
    fn edge(prev: &[&'static str], this: &[&'static str], added: &[usize]) -> EdgeDef {
        let names: Vec<&'static str> = added.iter().map(|&i| this[i]).collect();
        EdgeDef {
            contract: "c",
            from: 1,
            to: 2,
            prev: "V1",
            prev_fields: table(prev),
            this: "V2",
            this_fields: table(this),
            removes: &[],
            renames: &[],
            adds_defaulted: Box::leak(names.into_boxed_slice()),
            adds: &[],
            converts: &[],
        }
    }

    /// What the derive compares for edge `e`, whose target declares the fields at `added`:
    /// the source's layout, and the one it expects (the target's fields minus `added`).
    fn lines_up(e: &EdgeDef, added: &[usize]) -> bool {
        let expected: Vec<FieldDef> = (0..e.this_fields.len())
            .filter(|i| !added.contains(i))
            .map(|i| e.this_fields[i])
            .collect();
        layout(e.prev_fields) == layout(&expected)
    }

    /// A version's field names: distinct names of [`POOL`], in any order.
    fn names() -> impl Strategy<Value = Vec<&'static str>> {
        proptest::sample::subsequence(POOL.to_vec(), 0..=POOL.len()).prop_shuffle()
    }

    use proptest::prelude::{prop_assert, proptest, Strategy};

    proptest! {
        /// The comparison of layouts never passes an edge the field-by-field check refuses.
        #[test]
        fn lining_up_implies_clean(
            prev in names(),
            this in names(),
            mask in proptest::collection::vec(proptest::bool::ANY, POOL.len()),
        ) {
            let added: Vec<usize> = (0..this.len()).filter(|&i| mask[i]).collect();
            let e = edge(&prev, &this, &added);
            if lines_up(&e, &added) {
                prop_assert!(edge_is_clean(&e));
            }
        }

        /// A version that has a field on the version key is never passed over by the key
        /// bits: the full check always runs for it.
        #[test]
        fn key_bits_never_pass_over_the_version_key(
            keys in names(),
            version_key in proptest::sample::select(POOL.to_vec()),
        ) {
            let meta = meta(&keys, version_key);
            if keys.contains(&version_key) {
                prop_assert!(key_may_collide(&meta));
            }
        }

        /// Fields kept in place and new ones declared: the one pass proves the edge clean.
        #[test]
        fn kept_fields_and_declared_additions_line_up(
            this in names(),
            mask in proptest::collection::vec(proptest::bool::ANY, POOL.len()),
        ) {
            let added: Vec<usize> = (0..this.len()).filter(|&i| mask[i]).collect();
            let prev: Vec<&'static str> =
                (0..this.len()).filter(|&i| !mask[i]).map(|i| this[i]).collect();
            prop_assert!(lines_up(&edge(&prev, &this, &added), &added));
        }
    }

    #[test]
    fn reordered_dropped_or_undeclared_fields_do_not_line_up() {
        // Reordered: clean, but only by name.
        let e = edge(&["a", "b"], &["b", "a"], &[]);
        assert!(!lines_up(&e, &[]) && edge_is_clean(&e));
        // Dropped, undeclared, declared but already there.
        assert!(!edge_is_clean(&edge(&["a", "b"], &["a"], &[])));
        assert!(!edge_is_clean(&edge(&["a"], &["a", "b"], &[])));
        assert!(!edge_is_clean(&edge(&["a", "b"], &["a", "b"], &[1])));
        assert!(edge_is_clean(&edge(&["a"], &["a", "b"], &[1])));
    }

    /// What the derives write for a version with wire keys `keys` of a contract with
    /// `version_key`: the key bits, or-ed (`VersionMeta::key_bits`), and the contract's.
    fn meta(keys: &[&'static str], version_key: &'static str) -> VersionMeta {
        VersionMeta {
            type_name: "V",
            contract_name: "c",
            version_key,
            version_key_bit: key_bit(field_hash("k", version_key)),
            key_bits: keys
                .iter()
                .fold(0, |bits, key| bits | key_bit(field_hash("k", key))),
            stub: false,
            layout: 0,
        }
    }

    #[test]
    fn key_bits_are_what_the_derive_computes() {
        // The derive's unit test pins the same value.
        assert_eq!(
            key_bit(field_hash("k", "schemaVersion")),
            1 << (field_hash("k", "schemaVersion") % 128)
        );
        assert_eq!(key_bit(field_hash("k", "schemaVersion")), 1 << 99);
        // Usually the fields settle it without a look at them.
        assert!(!key_may_collide(&meta(&["id", "tasks"], "schemaVersion")));
        assert!(key_may_collide(&meta(
            &["id", "schemaVersion"],
            "schemaVersion"
        )));
    }

    #[test]
    fn slots_keep_duplicates_apart() {
        assert_eq!(slot(&[1, 2, 2], 1), 2);
        assert_eq!(slot(&[1, 2, 2], 2), u32::MAX - 2);
    }
}
