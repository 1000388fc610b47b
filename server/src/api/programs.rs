//! Programs: their rules, tiers and rewards; created, changed and archived by owners. A
//! change applies to sales after it; ledger entries keep the rule snapshot they were posted
//! with, so history is never rewritten.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use regulars_core::Error;
use regulars_core::auth::{Action, Target};
use regulars_core::ids::{ChainId, ProgramId};
use regulars_core::pos::PosError;
use regulars_core::pos::payload::from_value;
use regulars_core::program::{NewProgram, ProgramKind, ProgramScope, ProgramUpdate};
use serde_json::json;

use super::views::{ErrorBody, NewProgramBody, PageQuery, ProgramPage, ProgramUpdateBody, ProgramView, listed};
use super::{ApiPath, ApiQuery, Caller};
use crate::app::AppState;
use crate::error::AppError;

/// The chain's programs with their rules.
#[utoipa::path(
    get, path = "/api/v1/chains/{chain}/programs", tag = "chain",
    params(("chain" = i64, Path, description = "The chain's id"), PageQuery),
    responses(
        (status = 200, body = ProgramPage),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn list_programs(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(chain): ApiPath<i64>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<ProgramPage>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::ViewPrograms, Target::Chain(chain))?;
    let programs = state.store.list_programs(chain).await?;
    let (items, next_cursor) = listed(programs, &query, |p| p.id.get())?;
    Ok(Json(ProgramPage { items, next_cursor }))
}

/// One program.
#[utoipa::path(
    get, path = "/api/v1/chains/{chain}/programs/{program}", tag = "chain",
    params(
        ("chain" = i64, Path, description = "The chain's id"),
        ("program" = i64, Path, description = "The program's id"),
    ),
    responses(
        (status = 200, body = ProgramView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn get_program(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((chain, program)): ApiPath<(i64, i64)>,
) -> Result<Json<ProgramView>, AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::ViewPrograms, Target::Chain(chain))?;
    Ok(Json(ProgramView::from(&state.store.program(chain, ProgramId(program)).await?)))
}

/// Creates a program (owners). Its rules take the rules engine's shape and are checked
/// against its kind; a bad one answers 422 naming the field (`rules.earn.per_minor`).
#[utoipa::path(
    post, path = "/api/v1/chains/{chain}/programs", tag = "chain", request_body = NewProgramBody,
    params(("chain" = i64, Path, description = "The chain's id")),
    responses(
        (status = 201, body = ProgramView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn create_program(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(chain): ApiPath<i64>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<ProgramView>), AppError> {
    let chain = ChainId(chain);
    caller.principal.require(Action::EditPrograms, Target::Chain(chain))?;
    let body: NewProgramBody = super::json(&body)?;
    let kind = match (body.kind.as_str(), body.card_size) {
        ("points", None) => ProgramKind::Points,
        ("points", Some(_)) => return Err(Error::invalid("card_size", "only a stamp program has cards").into()),
        ("stamps", Some(card_size)) => ProgramKind::Stamps { card_size },
        ("stamps", None) => return Err(Error::invalid("card_size", "a stamp program needs its card size").into()),
        _ => return Err(Error::invalid("kind", "must be `points` or `stamps`").into()),
    };
    let scope = match body.scope.as_str() {
        "chain" => ProgramScope::Chain,
        "cafe" => ProgramScope::Cafe,
        _ => return Err(Error::invalid("scope", "must be `chain` or `cafe`").into()),
    };
    let new = NewProgram { name: body.name, kind, scope, rules: body.rules };
    let program = state.store.create_program(chain, new).await?;
    let subject = format!("program:{}", program.id);
    super::audit(&state, &caller, "audit.program_created", subject, json!({ "name": program.name })).await?;
    Ok((StatusCode::CREATED, Json(ProgramView::from(&program))))
}

/// Changes a program's name or rules (tiers and rewards with them), or archives it (owners).
#[utoipa::path(
    patch, path = "/api/v1/chains/{chain}/programs/{program}", tag = "chain", request_body = ProgramUpdateBody,
    params(
        ("chain" = i64, Path, description = "The chain's id"),
        ("program" = i64, Path, description = "The program's id"),
    ),
    responses(
        (status = 200, body = ProgramView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("session" = []), ("token" = []))
)]
pub async fn update_program(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((chain, program)): ApiPath<(i64, i64)>,
    body: axum::body::Bytes,
) -> Result<Json<ProgramView>, AppError> {
    let (chain, program) = (ChainId(chain), ProgramId(program));
    caller.principal.require(Action::EditPrograms, Target::Chain(chain))?;
    let body: ProgramUpdateBody = super::json(&body)?;
    let rules = match body.rules {
        // Two owners patching at once: the later write wins over the whole rules.
        Some(patch) => {
            let mut rules = serde_json::to_value(state.store.program(chain, program).await?.rules)
                .map_err(|e| Error::invalid("rules", e.to_string()))?;
            merge_patch(&mut rules, patch);
            Some(from_value(rules, "rules").map_err(|e| match e {
                PosError::InvalidPayload { field, reason } => Error::invalid(field, reason),
                other => Error::invalid("rules", other.to_string()),
            })?)
        }
        None => None,
    };
    let update = ProgramUpdate { name: body.name, rules, archived: body.archived };
    let updated = state.store.update_program(chain, program, update.clone()).await?;
    let subject = format!("program:{program}");
    super::audit(&state, &caller, "audit.program_updated", subject, json!({ "change": update })).await?;
    Ok(Json(ProgramView::from(&updated)))
}

/// Applies a JSON merge patch (RFC 7386) to `target`.
fn merge_patch(target: &mut serde_json::Value, patch: serde_json::Value) {
    use serde_json::Value;
    let Value::Object(fields) = patch else {
        *target = patch;
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(map) = target {
        for (key, value) in fields {
            if value.is_null() {
                map.remove(&key);
            } else {
                merge_patch(map.entry(key).or_insert(Value::Null), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::merge_patch;
    use serde_json::json;

    #[test]
    fn a_merge_patch_changes_what_it_names() {
        let mut rules = json!({ "earn": { "points": 1, "per_minor": 100 }, "tiers": [1, 2], "per_visit": 3 });
        merge_patch(&mut rules, json!({ "earn": { "points": 2 }, "tiers": [9], "per_visit": null }));
        assert_eq!(rules, json!({ "earn": { "points": 2, "per_minor": 100 }, "tiers": [9] }));
    }
}
