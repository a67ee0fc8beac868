//! What a derive emits when it found errors: the errors, plus a stand-in implementation
//! (thiserror's fallback) so that the rest of the program still type-checks and one
//! mistake does not cascade into errors in every other version of the contract.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::{Contract, Version};
use crate::ctxt::Ctxt;
use crate::expand;

pub fn contract(c: &Contract<'_>, cx: Ctxt) -> TokenStream {
    let ident = c.ident;
    let errors = cx.into_tokens(None, &ident.to_string());
    let p = quote!(::migrate_runtime::__private);
    let name = c
        .name
        .as_ref()
        .map_or_else(|| ident.to_string(), syn::LitStr::value);
    let version_key = c
        .version_key
        .as_ref()
        .map_or_else(|| "schemaVersion".to_owned(), syn::LitStr::value);
    let version_key_bit = expand::version_key_bit(&version_key);
    // The versions still find their contract's name, so that their own checks run, and
    // every version number resolves (to no fields), so that they report nothing more.
    quote! {
        #errors
        const _: () = {
            impl #p::ContractDef for #ident {
                const NAME: &'static str = #name;
                const VERSION_KEY: &'static str = #version_key;
                const VERSION_KEY_BIT: u128 = #version_key_bit;
            }
            impl<const V: u32> #p::VersionOf<V> for #ident {
                type Doc = #p::Unknown;
            }
        };
    }
}

pub fn version(v: &Version<'_>, cx: Ctxt) -> TokenStream {
    let errors = cx.into_tokens(v.contract.as_ref(), &v.type_name());
    let Some(contract) = &v.contract else {
        return errors;
    };
    // The version's own tables stay, so that the edges of later versions are still
    // checked against its fields; its edges are left out, and marked as such.
    let items = expand::version_items(v, contract, &[], true);
    quote! {
        #errors
        #items
    }
}
