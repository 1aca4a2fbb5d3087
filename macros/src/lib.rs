//! `#[derive(Fields)]`: one declaration per field.
//!
//! A struct's fields, their doc comments and their `#[field(...)]` rules become the table that
//! tap's check, diff, preview and schema generation read (`crate::resource::fields`), so a wire
//! name, its replace rule, its AWS default and its comparison are written once, on the field.
//!
//! Field rules:
//! - `replace`: changing it replaces the resource.
//! - `required` / `required = "hint"`: the program must give it (the hint, a `&str`, says what).
//! - `default = <expr>`: check fills it when absent (`<expr>.into()` must give the field's type).
//! - `aws_default`: AWS fills it when absent, so leaving it out is not a change.
//! - `compare = exact | policy | set | <path to fn(Json) -> Json>`: how diff compares it
//!   (`policy`: as a JSON policy document, by meaning).
//! - `region` / `tags`: the shared `region` and `tags` inputs (their declaration lives once).
//! - `plain`, `secret`: schema flags; `private`: kept in state, not in the schema.
//! - `numbers_as_text`: a number given for this string field is read as its text.
//! - `expect = "…"`: what a value of the wrong type is told it must be.
//! - `name = "wireName"`: overrides the camelCase name (serde's `rename` is honoured too).
//! - `identity`: it becomes part of the resource's id or name, so it cannot be a secret.
//! - `from = "a, b"` (on outputs): computed from those inputs, so secret when one of them is.
//!
//! On the struct, `#[field(token = "tap:mod:Type")]` makes it an object type of the schema.
//! `#[serde(flatten)]` fields contribute their own type's declarations.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::quote;
use syn::{parse_macro_input, Attribute, Data, DeriveInput, Expr, Fields, LitStr, Type};

#[proc_macro_derive(Fields, attributes(field))]
pub fn derive_fields(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

#[derive(Default)]
struct FieldRules {
    replace: bool,
    required: Option<Option<Expr>>,
    default: Option<Expr>,
    aws_default: bool,
    compare: Option<Expr>,
    region: bool,
    tags: bool,
    plain: bool,
    secret: bool,
    private: bool,
    numbers_as_text: bool,
    expect: Option<String>,
    name: Option<String>,
    identity: bool,
    from: Vec<String>,
}

#[derive(Default)]
struct SerdeRules {
    rename_all_camel: bool,
    rename: Option<String>,
    flatten: bool,
}

fn expand(input: &DeriveInput) -> syn::Result<Tokens> {
    let ident = &input.ident;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(ident, "Fields can only be derived for structs"));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(ident, "Fields needs a struct with named fields"));
    };
    let struct_serde = serde_rules(&input.attrs)?;
    let token = struct_token(&input.attrs)?;
    let doc = doc_of(&input.attrs);

    let mut pushes = Vec::new();
    for field in &named.named {
        let Some(field_ident) = &field.ident else { continue };
        let serde = serde_rules(&field.attrs)?;
        let rules = field_rules(&field.attrs)?;
        let ty = &field.ty;
        if serde.flatten {
            pushes.push(quote! { out.extend(<#ty as crate::resource::fields::Declared>::fields()); });
            continue;
        }
        if rules.region {
            pushes.push(quote! { out.push(crate::resource::fields::region_field()); });
            continue;
        }
        if rules.tags {
            pushes.push(quote! { out.push(crate::resource::fields::tags_field()); });
            continue;
        }
        let rust_name = field_ident.to_string();
        let wire = match (rules.name.clone(), serde.rename.clone()) {
            (Some(n), _) | (None, Some(n)) => n,
            (None, None) if struct_serde.rename_all_camel => camel_case(&rust_name),
            (None, None) if rust_name.contains('_') => {
                return Err(syn::Error::new_spanned(
                    field_ident,
                    "wire names are camelCase: add #[serde(rename_all = \"camelCase\")] to the struct",
                ));
            }
            (None, None) => rust_name.clone(),
        };
        let field_doc = doc_of(&field.attrs);
        if field_doc.is_empty() && !rules.private {
            return Err(syn::Error::new_spanned(
                field_ident,
                "every declared field needs a doc comment (the user's documentation)",
            ));
        }
        let optional = is_option(ty);
        let required = match &rules.required {
            Some(Some(hint)) => quote! { Some(#hint) },
            Some(None) => quote! { Some("") },
            None => quote! { None },
        };
        let default = match &rules.default {
            Some(expr) => quote! {
                Some(|| {
                    let v: #ty = (#expr).into();
                    crate::resource::fields::to_value(&v)
                })
            },
            None => quote! { None },
        };
        let compare = match &rules.compare {
            None => quote! { crate::resource::fields::Compare::Exact },
            Some(Expr::Path(p)) if p.path.is_ident("exact") => quote! { crate::resource::fields::Compare::Exact },
            Some(Expr::Path(p)) if p.path.is_ident("policy") => {
                quote! { crate::resource::fields::Compare::Custom(crate::resources::policy::comparable) }
            }
            Some(Expr::Path(p)) if p.path.is_ident("set") => quote! { crate::resource::fields::Compare::Set },
            Some(other) => quote! { crate::resource::fields::Compare::Custom(#other) },
        };
        let expect = match &rules.expect {
            Some(e) => quote! { Some(#e) },
            None => quote! { None },
        };
        let (replace, aws_default, plain, secret, private, numbers_as_text, identity) = (
            rules.replace,
            rules.aws_default,
            rules.plain,
            rules.secret,
            rules.private,
            rules.numbers_as_text,
            rules.identity,
        );
        let from = &rules.from;
        pushes.push(quote! {
            out.push(crate::resource::fields::FieldSpec {
                name: #wire,
                doc: #field_doc,
                shape: <#ty as crate::resource::fields::SchemaType>::shape,
                optional: #optional,
                required: #required,
                replaces: #replace,
                aws_default: #aws_default,
                compare: #compare,
                default: #default,
                plain: #plain,
                secret: #secret,
                private: #private,
                numbers_as_text: #numbers_as_text,
                expect: #expect,
                identity: #identity,
                from: &[#(#from),*],
            });
        });
    }

    let object_type = token.map(|token| {
        quote! {
            impl crate::resource::fields::SchemaType for #ident {
                fn shape() -> crate::resource::fields::Shape {
                    crate::resource::fields::Shape::Object(crate::resource::fields::ObjectType {
                        token: #token,
                        doc: <Self as crate::resource::fields::Declared>::DOC,
                        fields: <Self as crate::resource::fields::Declared>::fields,
                    })
                }
            }
        }
    });
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics crate::resource::fields::Declared for #ident #ty_generics #where_clause {
            const DOC: &'static str = #doc;
            fn fields() -> Vec<crate::resource::fields::FieldSpec> {
                let mut out = Vec::new();
                #(#pushes)*
                out
            }
        }
        #object_type
    })
}

fn field_rules(attrs: &[Attribute]) -> syn::Result<FieldRules> {
    let mut rules = FieldRules::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("field")) {
        attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
            match key.as_str() {
                "replace" => rules.replace = true,
                "aws_default" => rules.aws_default = true,
                "region" => rules.region = true,
                "tags" => rules.tags = true,
                "plain" => rules.plain = true,
                "secret" => rules.secret = true,
                "private" => rules.private = true,
                "numbers_as_text" => rules.numbers_as_text = true,
                "identity" => rules.identity = true,
                "from" => {
                    let list = meta.value()?.parse::<LitStr>()?.value();
                    rules.from = list.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
                }
                "required" => {
                    rules.required =
                        Some(if meta.input.peek(syn::Token![=]) { Some(meta.value()?.parse::<Expr>()?) } else { None })
                }
                "default" => rules.default = Some(meta.value()?.parse::<Expr>()?),
                "compare" => rules.compare = Some(meta.value()?.parse::<Expr>()?),
                "name" => rules.name = Some(meta.value()?.parse::<LitStr>()?.value()),
                "expect" => rules.expect = Some(meta.value()?.parse::<LitStr>()?.value()),
                _ => return Err(meta.error(format!("unknown field rule `{key}`"))),
            }
            Ok(())
        })?;
    }
    Ok(rules)
}

fn struct_token(attrs: &[Attribute]) -> syn::Result<Option<String>> {
    let mut token = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("field")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("token") {
                token = Some(meta.value()?.parse::<LitStr>()?.value());
                Ok(())
            } else {
                Err(meta.error("on a struct, #[field(...)] takes only token = \"pkg:module:Type\""))
            }
        })?;
    }
    Ok(token)
}

/// What of serde's attributes decides wire names; everything else is skipped.
fn serde_rules(attrs: &[Attribute]) -> syn::Result<SerdeRules> {
    let mut rules = SerdeRules::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                rules.rename_all_camel = meta.value()?.parse::<LitStr>()?.value() == "camelCase";
            } else if meta.path.is_ident("rename") {
                rules.rename = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.path.is_ident("flatten") {
                rules.flatten = true;
            } else if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<Expr>()?;
            } else if meta.input.peek(syn::token::Paren) {
                meta.parse_nested_meta(|inner| {
                    if inner.input.peek(syn::Token![=]) {
                        inner.value()?.parse::<Expr>()?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })?;
    }
    Ok(rules)
}

/// The doc comment: lines joined, single line breaks read as spaces, paragraphs kept.
fn doc_of(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    // Prose is reflowed into paragraphs; fenced code, headings and docs shortcodes (`{{% … %}}`)
    // keep their own lines (code verbatim), as the registry's docs need them.
    let mut out = String::new();
    let mut in_code = false;
    for raw in lines {
        let verbatim = raw.strip_prefix(' ').unwrap_or(&raw).trim_end();
        let line = verbatim.trim();
        let fence = line.starts_with("```");
        if in_code || fence || line.starts_with("{{%") || line.starts_with('#') {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(if in_code { verbatim } else { line });
            out.push('\n');
            in_code ^= fence;
        } else if line.is_empty() {
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push_str(if out.ends_with('\n') { "\n" } else { "\n\n" });
            }
        } else {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push(' ');
            }
            out.push_str(line);
        }
    }
    out.trim().to_string()
}

fn is_option(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

/// serde's `rename_all = "camelCase"` for a snake_case name.
fn camel_case(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}
