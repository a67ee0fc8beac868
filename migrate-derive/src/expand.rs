//! Writes the code of a valid input: the `Contract` / `Versioned` impls with their
//! registry entries and transforms, the hidden tables (`ContractDef`, `VersionDef` with its
//! struct of fields `Wire`, `VersionOf`, `BelongsTo`), and the constants and functions
//! through which the compiler checks the rules that span two structs.
//!
//! Everything sits in `const _: () = { … };`, uses absolute paths (the runtime's hidden
//! module through the alias `__p`), and names its own items with a `__` prefix. Each check
//! is spanned at the attribute, field or type it is about, so that rustc reports a broken
//! rule where the user fixes it; the checks cost the compiler little when they pass (one
//! integer comparison for an edge that keeps its source's fields in place, a field access
//! and one trait bound per field type).

use proc_macro2::{Punct, Spacing, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::{Ident, LitStr, Path};

use crate::ast::{Contract, Edge, Field, Version};
use crate::valid::unraw;

/// `__private::KEPT_MAX`: the most fields one type check (`Doc::kept<n>`) takes.
const KEPT_MAX: usize = 16;

/// `quote!` with every token at `span` (see [`respan`]).
macro_rules! spanned {
    ($span:expr=> $($tt:tt)*) => {
        respan(quote! { $($tt)* }, $span)
    };
}

/// The runtime's hidden module, as the generated code names it: a short alias (declared
/// at the top of each `const _` block) keeps the expansion small, which the compiler's
/// parsing and incremental hashing of it repay. An identifier, not a stream: each use is
/// then one token added, not a stream handed to the compiler.
fn private() -> Ident {
    Ident::new("__p", Span::call_site())
}

/// The alias of [`private`].
fn private_alias() -> TokenStream {
    quote!(
        use ::migrate_runtime::__private as __p;
    )
}

pub fn contract(c: &Contract<'_>) -> TokenStream {
    let p = private();
    let alias = private_alias();
    let ident = c.ident;
    let name = c
        .name
        .as_ref()
        .map_or_else(|| ident.to_string(), LitStr::value);
    let version_key = c
        .version_key
        .as_ref()
        .map_or_else(|| "schemaVersion".to_owned(), LitStr::value);
    let unversioned = match &c.unversioned {
        Some(n) => {
            let n = n.value;
            quote!(::core::option::Option::Some(#n))
        }
        None => quote!(::core::option::Option::None),
    };
    let file = match &c.file {
        Some(f) => quote!(::core::option::Option::Some(#f)),
        None => quote!(::core::option::Option::None),
    };
    let version_key_bit = version_key_bit(&version_key);
    let versions = &c.versions;
    let current = versions.last();
    let numbers: Vec<TokenStream> = versions
        .iter()
        .map(|v| quote!(<#v as ::migrate_runtime::Versioned>::VERSION))
        .collect();
    let version_of = versions.iter().enumerate().map(|(i, v)| {
        let span = path_span(v);
        spanned! {span=>
            impl #p::VersionOf<{ #p::slot(__NUMBERS, #i) }> for #ident {
                type Doc = #v;
            }
        }
    });
    let checks = versions.iter().enumerate().map(|(i, v)| {
        let span = path_span(v);
        spanned! {span=>
            const _: () = if !__CLEAN {
                #p::check_order(#name, __VERSIONS, #i);
                #p::check_reachable(#name, __VERSIONS, __CONTRACTS, __STUBS, #i)
            };
        }
    });
    let belongs = versions.iter().map(|v| {
        let span = path_span(v);
        spanned! {span=> #p::belongs_to::<#v, #ident>(); }
    });
    let unversioned_check = c.unversioned.as_ref().map(|n| {
        let (value, span) = (n.value, n.span);
        spanned! {span=>
            const _: () = #p::check_unversioned(#name, __VERSIONS, #value);
        }
    });
    let contract_impl = current.map(|current| {
        quote! {
            impl ::migrate_runtime::Contract for #ident {
                type Current = #current;
                fn info() -> &'static #p::ContractInfo {
                    static __INFO: #p::ContractInfo = #p::ContractInfo {
                        name: #name,
                        version_key: #version_key,
                        unversioned: #unversioned,
                        file: #file,
                        versions: __VERSIONS,
                    };
                    &__INFO
                }
            }
        }
    });
    quote! {
        #[allow(non_upper_case_globals, clippy::all)]
        const _: () = {
            #alias
            impl #p::ContractDef for #ident {
                const NAME: &'static str = #name;
                const VERSION_KEY: &'static str = #version_key;
                const VERSION_KEY_BIT: u128 = #version_key_bit;
            }
            // The listed versions' numbers, named once for every `VersionOf` impl.
            const __NUMBERS: &[u32] = &[#(#numbers),*];
            #(#version_of)*
            const __VERSIONS: &[#p::VersionInfo] = &[
                #(<#versions as ::migrate_runtime::Versioned>::INFO),*
            ];
            const __CONTRACTS: &[&str] = &[
                #(<#versions as #p::VersionDef>::META.contract_name),*
            ];
            const __STUBS: &[bool] = &[
                #(<#versions as #p::VersionDef>::META.stub),*
            ];
            #contract_impl
            // The contract's checks, once: each version's own run only when one fails (a
            // version out of order stops its constant, and leaves no chain to check).
            const __CLEAN: bool =
                #p::contract_is_clean(#name, __VERSIONS, __CONTRACTS, __STUBS);
            #(#checks)*
            #unversioned_check
            #[allow(dead_code)]
            fn __belongs() {
                #(#belongs)*
            }
        };
    }
}

pub fn version(v: &Version<'_>) -> TokenStream {
    let Some(contract) = &v.contract else {
        return TokenStream::new();
    };
    let edges: Vec<EdgeCode> = v
        .edges
        .iter()
        .enumerate()
        .filter_map(|(k, e)| edge(v, contract, e, k))
        .collect();
    version_items(v, contract, &edges, false)
}

/// The code of one edge: its registry entry, and the items that implement and check it.
pub struct EdgeCode {
    pub entry: TokenStream,
    pub items: TokenStream,
    /// The edge's evaluated check: a statement of a constant of the version's.
    pub evaluated: TokenStream,
    /// The edge's type checks: a block of the version's check function.
    pub checks: TokenStream,
}

/// The items of a version, whether or not its edges are valid (`stub` when they are not).
pub fn version_items(
    v: &Version<'_>,
    contract: &Path,
    edges: &[EdgeCode],
    stub: bool,
) -> TokenStream {
    let p = private();
    let alias = private_alias();
    let ident = v.ident;
    let type_name = v.type_name();
    let Some(version) = &v.version else {
        return TokenStream::new();
    };
    let number = version.value;
    let wire: Vec<&Field<'_>> = v.fields.iter().filter(|f| f.on_wire()).collect();
    // The fields as the runtime's `fields` takes them: every key (a flattened field's name
    // in its place), then the names that differ from their keys and the flattened fields,
    // by index (both empty on the usual version); the hashes are computed when the table
    // is built. One call costs the compiler far less than a call per field or an array of
    // hashes, and without flattened fields the keys are those `INFO.wire_keys` already
    // lists. The keys go through a local: a call on constants alone would be promoted, and
    // the compiler's lints evaluate a promoted constant; this way the table is built only
    // when a check reads it.
    let field_keys = if wire.iter().any(|f| f.flatten) {
        let keys = wire
            .iter()
            .map(|f| if f.flatten { &f.name } else { &f.key });
        quote!(&[#(#keys),*])
    } else {
        quote!(<#ident as ::migrate_runtime::Versioned>::INFO.wire_keys)
    };
    let field_count = wire.len();
    let field_names = wire
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.flatten && f.name != f.key)
        .map(|(i, f)| {
            let name = &f.name;
            quote!((#i, #name))
        });
    let flattened = wire
        .iter()
        .enumerate()
        .filter(|(_, f)| f.flatten)
        .map(|(i, _)| i);
    let key_bits = wire
        .iter()
        .filter(|f| !f.flatten)
        .fold(0u128, |bits, f| bits | key_bit(key_hash(f)));
    let wire_keys = wire.iter().filter(|f| !f.flatten).map(|f| &f.key);
    let layout = layout(wire.iter().map(|f| (f.flatten, key_hash(f))));
    // The fields as structs (`VersionDef::Wire`, `VersionDef::Names`): the next version's
    // type checks read them.
    let (wire_structs, names) = wire_structs(&wire, stub);
    // The fields through `fields_of`: a constant that a constant's body names is evaluated
    // with it (even in a branch not taken), and the table of fields is needed only when a
    // key may clash.
    let key_check = spanned! {ident.span()=>
        if #p::key_may_collide(&<#ident as #p::VersionDef>::META) {
            #p::check_version_key(
                &<#ident as #p::VersionDef>::META,
                #p::fields_of::<#ident>(),
            )
        }
    };
    // A version the contract does not list would never be registered: reported at its
    // number.
    let listed = spanned! {version.span=>
        (&#p::ListingProbe::<__Contract, #number>::NEW).check().listed();
    };
    // One function (never called) holds the checks that are type-checked statements: this
    // one, and each edge's type checks in a block of its own.
    let edge_checks = edges.iter().map(|e| &e.checks);
    let check_fn = quote! {
        #[allow(dead_code)]
        fn __checks() {
            {
                #[allow(unused_imports)]
                use #p::{NoContract as _, ViaContract as _};
                #listed
            }
            #(#edge_checks)*
        }
    };
    let (roundtrip, roundtrip_ref) = roundtrip_fn(v);
    let entries = edges.iter().map(|e| &e.entry);
    let items = edges.iter().map(|e| &e.items);
    // The checks the compiler evaluates: the version key's (at the type's name) and each
    // edge's (at its attribute), as statements of constants, each a call spanned at what it
    // is about. The first edge's constant holds the key check too (each constant is a body
    // of its own for the compiler); a failed check stops its constant, so the key check
    // comes after the edge's, and each edge keeps a constant of its own.
    let mut evaluated = edges.iter().map(|e| &e.evaluated);
    let first = evaluated.next();
    let consts = std::iter::once(quote!(#first #key_check))
        .chain(evaluated.map(|check| quote!(#check)))
        .map(|body| quote!(const _: () = { #body };));
    // The contract is named once, at `contract = …`: a wrong path is reported there.
    let contract_span = path_span(contract);
    let contract_alias = spanned! {contract_span=> type __Contract = #contract; };
    let contract_name = spanned! {contract_span=> <__Contract as #p::ContractDef>::NAME };
    let version_key = spanned! {contract_span=> <__Contract as #p::ContractDef>::VERSION_KEY };
    let version_key_bit =
        spanned! {contract_span=> <__Contract as #p::ContractDef>::VERSION_KEY_BIT };
    let contract_ty = spanned! {contract_span=> __Contract };
    let versioned_impl = quote! {
        impl ::migrate_runtime::Versioned for #ident {
            type Contract = #contract_ty;
            const VERSION: u32 = #number;
            const INFO: #p::VersionInfo = #p::VersionInfo {
                version: #number,
                type_name: #type_name,
                wire_keys: &[#(#wire_keys),*],
                edges: &[#(#entries),*],
                __roundtrip: #roundtrip_ref,
            };
        }
    };
    quote! {
        #[allow(non_upper_case_globals, non_camel_case_types, clippy::all)]
        const _: () = {
            #alias
            #contract_alias
            #versioned_impl
            impl #p::VersionDef for #ident {
                const FIELDS: &'static [#p::FieldDef] = {
                    let __keys = #field_keys;
                    &#p::fields::<#field_count>(
                        __keys,
                        &[#(#field_names),*],
                        &[#(#flattened),*],
                    )
                };
                const META: #p::VersionMeta = #p::VersionMeta {
                    type_name: #type_name,
                    contract_name: #contract_name,
                    version_key: #version_key,
                    version_key_bit: #version_key_bit,
                    key_bits: #key_bits,
                    stub: #stub,
                    layout: #layout,
                };
                type Wire = __Wire;
                type Names = #names;
            }
            impl #p::BelongsTo<#contract> for #ident {}
            #wire_structs
            #roundtrip
            #(#consts)*
            #check_fn
            #(#items)*
        };
    }
}

/// The version's typed round trip (`VersionInfo::__roundtrip`): the runtime's
/// `roundtrip_plain::<Self>`, or with a `validate` hook a function of the version's own
/// (the function, and a path to it).
fn roundtrip_fn(v: &Version<'_>) -> (TokenStream, TokenStream) {
    let p = private();
    let ident = v.ident;
    let Some(path) = &v.validate else {
        return (TokenStream::new(), quote!(#p::roundtrip_plain::<#ident>));
    };
    let span = path_span(path);
    let validate = spanned! {span=>
        let __validate: #p::Validate<#ident> =
            |__value: &#ident| #p::ValidateOutput::into_result(#path(__value));
        ::core::option::Option::Some(__validate)
    };
    let function = quote! {
        fn __roundtrip(
            __value: &#p::Node<'_>,
        ) -> ::core::result::Result<#p::Reading, ::migrate_runtime::RoundTripError> {
            #p::roundtrip::<#ident>(__value, { #validate })
        }
    };
    (function, quote!(__roundtrip))
}

fn edge(v: &Version<'_>, contract: &Path, e: &Edge, k: usize) -> Option<EdgeCode> {
    let p = private();
    let ident = v.ident;
    let this = v.type_name();
    let from = e.from.as_ref()?;
    let (from_n, from_span) = (from.value, from.span);
    let to = v.version.as_ref()?.value;
    // Every mention of the source type carries the span of `from = N`, so that an unknown
    // version is reported once, there.
    let prev = Ident::new(&format!("__Prev{k}"), from_span);
    let edge_fn = format_ident!("__edge{}", k);
    let wire_fields: Vec<&Field<'_>> = v.fields.iter().filter(|f| f.on_wire()).collect();
    // The names the edge declares, each written out once.
    let removes: Vec<String> = e.removes.iter().map(unraw).collect();
    let adds_defaulted_names: Vec<String> = e.adds_defaulted.iter().map(unraw).collect();
    let adds_names: Vec<String> = e.adds.iter().map(unraw).collect();
    let converts_names: Vec<String> = e.converts.iter().map(unraw).collect();
    let rename_olds: Vec<String> = e.renames.iter().map(|(o, _)| unraw(o)).collect();
    let rename_news: Vec<String> = e.renames.iter().map(|(_, n)| unraw(n)).collect();
    let declared_added = |f: &Field<'_>| {
        adds_defaulted_names
            .iter()
            .chain(&adds_names)
            .any(|name| *name == f.name)
    };
    // The layout the source has when the edge keeps its fields in place: the target's
    // fields, leaving out the declared additions (`__private::layout`).
    let lined_up = (e.removes.is_empty() && e.renames.is_empty()).then(|| {
        layout(
            wire_fields
                .iter()
                .filter(|f| !declared_added(f))
                .map(|f| (f.flatten, key_hash(f))),
        )
    });
    let wire = |name: &Ident| -> String {
        let text = unraw(name);
        v.field(&text).map_or(text, |f| f.key.clone())
    };
    let adds_defaulted: Vec<String> = e.adds_defaulted.iter().map(wire).collect();
    let adds: Vec<String> = e.adds.iter().map(wire).collect();
    let converts: Vec<String> = e.converts.iter().map(wire).collect();
    let rename_new_keys: Vec<String> = e.renames.iter().map(|(_, n)| wire(n)).collect();
    let custom = e.with.is_some();
    let reversible = e.reversible.is_some();
    let description = e
        .description
        .as_ref()
        .map(LitStr::value)
        .or_else(|| v.doc.clone())
        .unwrap_or_default();

    let up = match &e.with {
        Some(with) => {
            let span = path_span(with);
            let name = format_ident!("__up{}", k);
            let call =
                spanned! {span=> #p::custom::<#prev, #ident, _>(__edge, __body, __reading, #with) };
            transform_fn(&name, &call)
        }
        None => TokenStream::new(),
    };
    let up_ref = if custom {
        let name = format_ident!("__up{}", k);
        quote!(#name)
    } else {
        quote!(#p::declarative_up::<#ident>)
    };
    let (down, down_ref) = match (&e.reversible, &e.reverse_with) {
        (Some(_), Some(rw)) => {
            let span = path_span(rw);
            let name = format_ident!("__down{}", k);
            let call = spanned! {span=> #p::custom_down::<#prev, #ident, _>(__edge, __body, __reading, #rw) };
            (
                transform_fn(&name, &call),
                quote!(::core::option::Option::Some(#name)),
            )
        }
        (Some(_), None) => (
            TokenStream::new(),
            quote!(::core::option::Option::Some(#p::declarative_down::<#prev>)),
        ),
        _ => (TokenStream::new(), quote!(::core::option::Option::None)),
    };

    let entry = quote! {
        ::migrate_runtime::Edge {
            from: #from_n,
            to: #to,
            description: #description,
            claims: #p::Claims {
                adds_defaulted: &[#(#adds_defaulted),*],
                adds: &[#(#adds),*],
                removes: &[#(#p::wire_key(<#prev as #p::VersionDef>::FIELDS, #removes)),*],
                renames: &[#((#p::wire_key(<#prev as #p::VersionDef>::FIELDS, #rename_olds), #rename_new_keys)),*],
                converts: &[#(#converts),*],
                custom: #custom,
                reversible: #reversible,
            },
            __up: #up_ref,
            __down: #down_ref,
        }
    };

    // The checks across the two structs.
    let prev_alias = spanned! {from_span=>
        type #prev = <#contract as #p::VersionOf<#from_n>>::Doc;
    };
    // Whether the edge is clean (`edge_is_clean`), as the type checks' gate reads it, and
    // its evaluated check (which starts by asking the same): one integer comparison when the
    // edge keeps its source's fields in place.
    let (clean, evaluated) = match lined_up {
        Some(expected) => (
            quote! {
                <#prev as #p::VersionDef>::META.layout == #expected
                    || #p::edge_is_clean(&#edge_fn())
            },
            quote! {
                if <#prev as #p::VersionDef>::META.layout != #expected {
                    #p::check_edge(&#edge_fn())
                }
            },
        ),
        None => (
            quote!(#p::edge_is_clean(&#edge_fn())),
            quote!(#p::check_edge(&#edge_fn());),
        ),
    };
    // The edge as a table, built by a `const fn` so that the compiler only builds it for an
    // edge that does not line up (or has a fault to name).
    let edge_def = quote! {
        const fn #edge_fn() -> #p::EdgeDef {
            #p::EdgeDef {
            contract: <#ident as #p::VersionDef>::META.contract_name,
            from: #from_n,
            to: #to,
            prev: <#prev as #p::VersionDef>::META.type_name,
            prev_fields: #p::fields_of::<#prev>(),
            this: #this,
            this_fields: #p::fields_of::<#ident>(),
            removes: &[#(#removes),*],
            renames: &[#((#rename_olds, #rename_news)),*],
            adds_defaulted: &[#(#adds_defaulted_names),*],
            adds: &[#(#adds_names),*],
            converts: &[#(#converts_names),*],
            }
        }
    };
    let evaluated = respan(evaluated, e.span);
    // The type checks read the source's fields: a kept field by its key (its name when
    // flattened) in `VersionDef::Wire` (`__w`), a renamed one by its old name in
    // `VersionDef::Names` (`__n`). Each kept field as its type in this version and its
    // read in the source's fields (`__w.<field>`, moved out of a struct that is never
    // built), spanned at the field's type: an error is reported at its element of the
    // group.
    let (by_key, by_name) = (
        Ident::new("__w", Span::call_site()),
        Ident::new("__n", Span::call_site()),
    );
    let mut kept: Vec<(&syn::Type, &Ident, Ident)> = Vec::new();
    let mut renamed = Vec::new();
    for f in &wire_fields {
        let added = declared_added(f);
        let converted = converts_names.contains(&f.name);
        if added || converted {
            continue;
        }
        let (from, old) = match rename_news.iter().position(|new| *new == f.name) {
            Some(i) => {
                let old = wire_ident("k_", &rename_olds[i], f.ident.span());
                renamed.push((old.clone(), f.ty));
                (&by_name, old)
            }
            None => (&by_key, source_ident(f)),
        };
        let mut at_type = old;
        at_type.set_span(type_span(f));
        kept.push((f.ty, from, at_type));
    }
    // One call per group of fields (`__private::Doc::kept<n>`): a call is what costs the
    // compiler, an argument much less.
    let type_checks = kept.chunks(KEPT_MAX).map(|group| {
        let types = group.iter().map(|(ty, _, _)| ty);
        let mut reads = TokenStream::new();
        for (_, from, field) in group {
            field_read(&mut reads, from, field);
        }
        let method = Ident::new(&format!("kept{}", group.len()), e.span);
        quote_spanned! {e.span=>
            __prev.#method::<#(#types),*>(#reads);
        }
    });
    let type_checks = quote!(#(#type_checks)*);
    // What the checks read when the edge's keys do not line up (their errors are the
    // edge's, reported once): for the kept fields, the target's own fields (each under its
    // key, at its type); for the renamed ones, a struct of the old names at the types the
    // checks expect.
    let source = quote! {
        #[allow(unused_imports)]
        use #p::{NoVersion as _, ViaVersion as _};
        (&#p::VersionProbe::<#contract, #from_n>::NEW).doc()
    };
    let expect = quote!(<#ident as #p::VersionDef>::Wire);
    let (renamed_struct, checks_block) = if renamed.is_empty() {
        let checks = quote! {
            {
                let __prev = { #source }.edge::<#to, { #clean }, #expect>();
                if let ::core::option::Option::Some(__w) = __prev.wire() {
                    #type_checks
                }
            }
        };
        (TokenStream::new(), checks)
    } else {
        let name = format_ident!("__Renamed{}", k);
        let checks = quote! {
            {
                let __source = { #source };
                let __names = __source.names::<#to, { #clean }, #name>();
                let __prev = __source.edge::<#to, { #clean }, #expect>();
                if let (
                    ::core::option::Option::Some(__w),
                    ::core::option::Option::Some(__n),
                ) = (__prev.wire(), __names.wire())
                {
                    #type_checks
                }
            }
        };
        (fields_struct(&name, renamed.into_iter()), checks)
    };
    let items = quote! {
        #prev_alias
        #edge_def
        #renamed_struct
        #up
        #down
    };
    Some(EdgeCode {
        entry,
        items,
        evaluated,
        checks: checks_block,
    })
}

/// The version's `VersionDef::Wire` and `VersionDef::Names`, for the next version's type
/// checks: the struct of each field under its key (`k_`, or its name as `f_` when
/// flattened), and the type of its fields by name: `__Wire` again when every field's key
/// is its name (the usual version), else a struct of each field under its name (`k_`).
fn wire_structs(wire: &[&Field<'_>], stub: bool) -> (TokenStream, TokenStream) {
    let fields = wire.iter().map(|f| (source_ident(f), f.ty));
    let name = Ident::new("__Wire", Span::call_site());
    let by_key = if stub {
        // Two fields on one key are refused (and this version stubbed): the struct keeps
        // the first, so as not to add a duplicate field to that error.
        let mut seen = std::collections::HashSet::new();
        fields_struct(
            &name,
            fields.filter(|(name, _)| seen.insert(name.to_string())),
        )
    } else {
        fields_struct(&name, fields)
    };
    if !stub && wire.iter().all(|f| !f.flatten && f.name == f.key) {
        return (by_key, quote!(__Wire));
    }
    let names = Ident::new("__Names", Span::call_site());
    let by_name = wire
        .iter()
        .map(|f| (wire_ident("k_", &f.name, f.ident.span()), f.ty));
    let by_name = fields_struct(&names, by_name);
    (quote!(#by_key #by_name), quote!(__Names))
}

/// A struct of public fields that is never built, only read for its fields' types (a
/// version's `Wire`, an edge's stand-in for it): the lints that would fire on it, whose
/// names and types are the user's, are allowed.
fn fields_struct<'t>(
    name: &Ident,
    fields: impl Iterator<Item = (Ident, &'t syn::Type)>,
) -> TokenStream {
    let (names, types): (Vec<Ident>, Vec<&syn::Type>) = fields.unzip();
    quote! {
        #[allow(dead_code, non_snake_case, private_interfaces, unreachable_pub)]
        pub struct #name { #(pub #names: #types),* }
    }
}

/// Appends `<from>.<field>,` to `out`, every token at the field's span (the place an error
/// about it is reported), one token at a time (no stream per field for the compiler to
/// take in).
fn field_read(out: &mut TokenStream, from: &Ident, field: &Ident) {
    let span = field.span();
    let punct = |c| {
        let mut p = Punct::new(c, Spacing::Alone);
        p.set_span(span);
        TokenTree::Punct(p)
    };
    let mut from = from.clone();
    from.set_span(span);
    out.extend([from.into(), punct('.'), field.clone().into(), punct(',')]);
}

/// The name of field `f` in its version's `VersionDef::Wire`, as a later version reads it
/// when `f` keeps its place on the wire: by wire key, or by name when flattened.
fn source_ident(f: &Field<'_>) -> Ident {
    if f.flatten {
        wire_ident("f_", &f.name, f.ident.span())
    } else {
        wire_ident("k_", &f.key, f.ident.span())
    }
}

/// `prefix` and `text` as an identifier: ASCII letters and digits as they are, `_` doubled,
/// any other character as `_<hex code point>_`. Two texts never give the same identifier.
fn wire_ident(prefix: &str, text: &str, span: Span) -> Ident {
    Ident::new(&wire_name(prefix, text), span)
}

/// The text of [`wire_ident`].
fn wire_name(prefix: &str, text: &str) -> String {
    let mut name = String::from(prefix);
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c);
        } else if c == '_' {
            name.push_str("__");
        } else {
            name.push_str(&format!("_{:x}_", u32::from(c)));
        }
    }
    name
}

fn type_span(f: &Field<'_>) -> Span {
    match f.ty {
        syn::Type::Path(tp) => tp
            .path
            .segments
            .last()
            .map_or_else(|| f.ident.span(), |s| s.ident.span()),
        _ => f.ident.span(),
    }
}

/// The hash of a field's place on the wire: its wire key, or its name if flattened.
fn key_hash(f: &Field<'_>) -> u64 {
    if f.flatten {
        field_hash("f", &f.name)
    } else {
        field_hash("k", &f.key)
    }
}

/// `__private::key_bit`, at expansion time.
fn key_bit(hash: u64) -> u128 {
    1 << (hash % 128)
}

/// The contract's `ContractDef::VERSION_KEY_BIT`.
pub fn version_key_bit(version_key: &str) -> u128 {
    key_bit(field_hash("k", version_key))
}

/// FNV-1a 64 over fields given as (flatten, hash): `__private::layout`, at expansion time.
fn layout(fields: impl Iterator<Item = (bool, u64)>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (flatten, hash) in fields {
        for b in [u8::from(flatten)].into_iter().chain(hash.to_le_bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// FNV-1a 64 of `kind`, a NUL byte and `text`: `__private::field_hash`, at expansion time.
fn field_hash(kind: &str, text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in kind.bytes().chain([0]).chain(text.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

pub fn path_span(path: &Path) -> Span {
    path.segments
        .last()
        .map_or_else(Span::call_site, |s| s.ident.span())
}

/// Gives every token of `tokens` the span `span`: rustc reports a failed constant on its
/// whole expression, and an expression whose tokens come from two places (the user's
/// attribute and the macro) falls back to the macro's span.
pub fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let proc_macro2::TokenTree::Ident(ident) = &tt {
                if ident.to_string().starts_with("__Prev") {
                    return tt;
                }
            }
            if let proc_macro2::TokenTree::Group(g) = &tt {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = proc_macro2::TokenTree::Group(group);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

/// A generated transform function `name` (the `Transform` signature) whose body is `call`.
fn transform_fn(name: &Ident, call: &TokenStream) -> TokenStream {
    let p = private();
    quote! {
        fn #name<'a>(
            __edge: &::migrate_runtime::Edge,
            __body: #p::Entries<'a>,
            __reading: ::core::option::Option<#p::Reading>,
        ) -> ::core::result::Result<#p::Node<'a>, ::migrate_runtime::TransformError> {
            #call
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{field_hash, layout, version_key_bit, wire_name};

    #[test]
    fn field_hash_matches_the_runtime() {
        // FNV-1a 64 of b"k\0id", as `__private::field_hash("k", "id")` computes it (the
        // runtime's unit test checks the same value).
        assert_eq!(field_hash("k", "id"), 16_928_280_949_471_346_179);
    }

    #[test]
    fn layout_matches_the_runtime() {
        // A field on key `id`, then a flattened field `x`: `__private::layout` of the same
        // table gives this value (the runtime's unit test checks it).
        let fields = [(false, field_hash("k", "id")), (true, field_hash("f", "x"))];
        assert_eq!(layout(fields.into_iter()), 1_983_445_447_536_592_035);
        assert_ne!(layout(fields.into_iter().rev()), layout(fields.into_iter()));
    }

    #[test]
    fn key_bits_match_the_runtime() {
        // `__private::key_bit(field_hash("k", "schemaVersion"))`: the runtime's unit test
        // pins the same value.
        assert_eq!(version_key_bit("schemaVersion"), 1 << 99);
    }

    #[test]
    fn wire_names_are_identifiers_and_never_shared() {
        let texts = [
            "id",
            "run_id",
            "run__id",
            "runId",
            "run-id",
            "run_2d_id",
            "run_2d__id",
            "_",
            "__",
            "-",
            "é",
            "x y",
            "",
        ];
        let names: Vec<String> = texts.iter().map(|t| wire_name("k_", t)).collect();
        for (i, a) in names.iter().enumerate() {
            assert!(
                syn::parse_str::<syn::Ident>(a).is_ok(),
                "{a} is not an identifier"
            );
            for b in &names[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(wire_name("k_", "schemaVersion"), "k_schemaVersion");
        assert_eq!(wire_name("k_", "run_id"), "k_run__id");
        assert_eq!(wire_name("k_", "x-y"), "k_x_2d_y");
    }
}
