//! `/api/v1`: the Open Dental-compatible REST API. Handlers only translate HTTP to a service
//! call and back; every rule lives in the service and the domain.

use super::AppState;
use super::auth::ApiClient;
use super::error::ApiError;
use crate::service::{Actor, OfferRequest, OfferTarget, Params, path_key};
use app::domain::channels::SendMode;
use app::model::{Appointment, AsapComm, NewAsapComm, Operatory, Schedule, Slot};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa::OpenApi;

pub const BASE: &str = "/api/v1";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/asapcomms", get(list_asapcomms).post(create_asapcomm))
        .route("/asapcomms/{num}", get(get_asapcomm))
        .route("/appointments/ASAP", get(asap_appointments))
        .route("/appointments/Slots", get(slots))
        .route("/schedules", get(list_schedules))
        .route("/schedules/{num}", get(get_schedule))
        .route("/operatories", get(list_operatories))
        .route("/operatories/{num}", get(get_operatory))
        .route("/openapi.json", get(openapi_json))
        .fallback(unknown_endpoint)
}

type ApiResult<T> = Result<T, ApiError>;
type RawQuery = Query<Vec<(String, String)>>;

#[utoipa::path(get, path = "/asapcomms/{AsapCommNum}", tag = "AsapComms",
    params(("AsapCommNum" = i64, Path, description = "The AsapComm's key.")),
    responses((status = 200, body = AsapComm), (status = 400, description = "Not a number."),
        (status = 404, description = "No such AsapComm.")))]
async fn get_asapcomm(client: ApiClient, State(s): State<AppState>, Path(num): Path<String>) -> ApiResult<Response> {
    let num = path_key("AsapCommNum", &num)?;
    Ok(json_body(s.services.asapcomm_json(num, client.clinics()).await?))
}

#[utoipa::path(get, path = "/asapcomms", tag = "AsapComms",
    params(
        ("ClinicNum" = Option<i64>, Query, description = "Only this clinic (0 = no clinic)."),
        ("date" = Option<String>, Query, description = "One day, yyyy-MM-dd. Not with dateStart/dateEnd."),
        ("dateStart" = Option<String>, Query, description = "DateTimeEntry on or after this day. Default today − 7 days."),
        ("dateEnd" = Option<String>, Query, description = "DateTimeEntry before this day (exclusive). Default: the midnight that ends today."),
        ("Offset" = Option<i64>, Query, description = "Rows to skip."),
        ("Limit" = Option<i64>, Query, description = "Rows to return, 1–100 (default 100)."),
    ),
    responses((status = 200, body = [AsapComm]), (status = 400, description = "A parameter is invalid."),
        (status = 404, description = "The clinic does not exist.")))]
async fn list_asapcomms(client: ApiClient, State(s): State<AppState>, Query(q): RawQuery) -> ApiResult<Response> {
    Ok(json_body(s.services.asapcomms_json(&Params(q), client.clinics()).await?))
}

/// A body that is JSON already (built by the database), sent as `Json` would send it.
fn json_body(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

#[utoipa::path(post, path = "/asapcomms", tag = "AsapComms", request_body = NewAsapComm,
    responses((status = 201, body = AsapComm, headers(("Location" = String, description = "/api/v1/asapcomms/{AsapCommNum}"))),
        (status = 400, description = "Invalid body, not ASAP, in the past, or the time is taken."),
        (status = 404, description = "The operatory, appointment or recall does not exist.")))]
async fn create_asapcomm(client: ApiClient, State(s): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let request = offer_request(&body, &client)?;
    let mut created = s.services.offer(request).await?;
    let comm = created.pop().ok_or_else(|| ApiError::Internal("the offer created no AsapComm".into()))?;
    let location = format!("{BASE}/asapcomms/{}", comm.asap_comm_num);
    let mut response = (StatusCode::CREATED, Json(comm)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Reads the POST body with messages that name the field at fault.
pub fn offer_request(body: &[u8], client: &ApiClient) -> Result<OfferRequest, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "The body is empty. Send JSON such as {\"op\": 2, \"aptNum\": 11939, \"dateTimeStart\": \"2023-10-18 14:00:00\"}.",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let new: NewAsapComm = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let at = e.path().to_string();
        let inner = e.into_inner();
        if at == "." || at.is_empty() {
            ApiError::bad_request(format!("The body is not valid: {inner}."))
        } else {
            ApiError::bad_request(format!("The body is not valid at {at}: {inner}."))
        }
    })?;
    let op = new.op.ok_or_else(|| ApiError::bad_request("op is required: the OperatoryNum of the opening."))?;
    let target = match (new.apt_num, new.recall_num) {
        (Some(a), None) => OfferTarget::Appointment(a),
        (None, Some(r)) => OfferTarget::Recall(r),
        (Some(_), Some(_)) => return Err(ApiError::bad_request("Give aptNum or recallNum, not both.")),
        (None, None) => return Err(ApiError::bad_request("aptNum or recallNum is required.")),
    };
    let date_time_start = new
        .date_time_start
        .ok_or_else(|| ApiError::bad_request("dateTimeStart is required, as yyyy-MM-dd HH:mm:ss."))?;
    Ok(OfferRequest {
        op,
        date_time_start,
        date_time_end: None,
        targets: vec![target],
        by: Actor::api_key(&client.name),
        clinics: client.clinics.clone(),
        send_mode: SendMode::Text,
        message: None,
    })
}

#[utoipa::path(get, path = "/appointments/ASAP", tag = "Appointments",
    params(("ClinicNum" = Option<i64>, Query), ("ProvNum" = Option<i64>, Query),
        ("Offset" = Option<i64>, Query), ("Limit" = Option<i64>, Query)),
    responses((status = 200, body = [Appointment], description = "ASAP list order: UnschedList, Planned, then the rest; latest first in each group."),
        (status = 400), (status = 404)))]
async fn asap_appointments(client: ApiClient, State(s): State<AppState>, Query(q): RawQuery) -> ApiResult<Json<Vec<Appointment>>> {
    Ok(Json(s.services.asap_appointments(&Params(q), client.clinics()).await?))
}

#[utoipa::path(get, path = "/appointments/Slots", tag = "Appointments",
    params(("date" = Option<String>, Query), ("dateStart" = Option<String>, Query, description = "Inclusive; default today."),
        ("dateEnd" = Option<String>, Query, description = "Inclusive; default 14 days from dateStart."),
        ("lengthMinutes" = Option<i64>, Query), ("ProvNum" = Option<i64>, Query), ("OpNum" = Option<i64>, Query),
        ("Offset" = Option<i64>, Query), ("Limit" = Option<i64>, Query)),
    responses((status = 200, body = [Slot]), (status = 400), (status = 404)))]
async fn slots(client: ApiClient, State(s): State<AppState>, Query(q): RawQuery) -> ApiResult<Json<Vec<Slot>>> {
    Ok(Json(s.services.slots(&Params(q), client.clinics()).await?))
}

#[utoipa::path(get, path = "/schedules", tag = "Schedules",
    params(("date" = Option<String>, Query, description = "Default today."), ("dateStart" = Option<String>, Query),
        ("dateEnd" = Option<String>, Query), ("SchedType" = Option<String>, Query), ("BlockoutDefNum" = Option<i64>, Query),
        ("ProvNum" = Option<i64>, Query), ("Offset" = Option<i64>, Query), ("Limit" = Option<i64>, Query)),
    responses((status = 200, body = [Schedule]), (status = 400)))]
async fn list_schedules(client: ApiClient, State(s): State<AppState>, Query(q): RawQuery) -> ApiResult<Json<Vec<Schedule>>> {
    Ok(Json(s.services.schedules(&Params(q), client.clinics()).await?))
}

#[utoipa::path(get, path = "/schedules/{ScheduleNum}", tag = "Schedules",
    params(("ScheduleNum" = i64, Path)), responses((status = 200, body = Schedule), (status = 400), (status = 404)))]
async fn get_schedule(client: ApiClient, State(s): State<AppState>, Path(num): Path<String>) -> ApiResult<Json<Schedule>> {
    let num = path_key("ScheduleNum", &num)?;
    Ok(Json(s.services.schedule(num, client.clinics()).await?))
}

#[utoipa::path(get, path = "/operatories", tag = "Operatories",
    params(("ClinicNum" = Option<i64>, Query), ("Offset" = Option<i64>, Query), ("Limit" = Option<i64>, Query)),
    responses((status = 200, body = [Operatory]), (status = 400), (status = 404)))]
async fn list_operatories(client: ApiClient, State(s): State<AppState>, Query(q): RawQuery) -> ApiResult<Json<Vec<Operatory>>> {
    Ok(Json(s.services.operatories(&Params(q), client.clinics()).await?))
}

#[utoipa::path(get, path = "/operatories/{OperatoryNum}", tag = "Operatories",
    params(("OperatoryNum" = i64, Path)), responses((status = 200, body = Operatory), (status = 400), (status = 404)))]
async fn get_operatory(client: ApiClient, State(s): State<AppState>, Path(num): Path<String>) -> ApiResult<Json<Operatory>> {
    let num = path_key("OperatoryNum", &num)?;
    Ok(Json(s.services.operatory(num, client.clinics()).await?))
}

async fn unknown_endpoint() -> ApiError {
    ApiError::not_found(
        "There is no such endpoint. See /api/v1/openapi.json for the endpoints this server offers.",
    )
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Web Sched ASAP API", description = "Open Dental-compatible AsapComms API and the read endpoints around it. \
        Every request needs `Authorization: ODFHIR {DeveloperKey}/{CustomerKey}`. Errors are plain text."),
    servers((url = "/api/v1")),
    paths(get_asapcomm, list_asapcomms, create_asapcomm, asap_appointments, slots, list_schedules, get_schedule,
        list_operatories, get_operatory),
    modifiers(&OdfhirAuth),
    security(("ODFHIR" = []))
)]
pub struct ApiDoc;

struct OdfhirAuth;

impl utoipa::Modify for OdfhirAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "ODFHIR",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "ODFHIR {DeveloperKey}/{CustomerKey}",
            ))),
        );
        // Answers every operation can give, written once here rather than on each path.
        use utoipa::openapi::ResponseBuilder;
        let common = [
            ("401", "The Authorization header is missing, malformed, or names an unknown or revoked key."),
            ("403", "The key is limited to other clinics."),
            ("429", "Too many requests for this key; the Retry-After header says how many seconds to wait."),
        ];
        for item in openapi.paths.paths.values_mut() {
            for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
                for parameter in operation.parameters.iter_mut().flatten() {
                    if let Some(schema) = parameter_schema(&parameter.name) {
                        parameter.schema = Some(schema.into());
                    }
                }
                for (status, description) in common {
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| ResponseBuilder::new().description(description).build().into());
                }
            }
        }
    }
}

/// What the parameters accept, stated in the document so clients (and generated tests) know:
/// keys are 0 or more, pages 1–100 rows, days yyyy-MM-dd. Giving `date` together with
/// `dateStart`/`dateEnd` is refused too, which a parameter schema cannot say.
fn parameter_schema(name: &str) -> Option<utoipa::openapi::schema::Object> {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    let integer = |min: i64, max: Option<i64>| {
        ObjectBuilder::new().schema_type(Type::Integer).format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))).minimum(Some(min)).maximum(max).build()
    };
    match name {
        "Offset" => Some(integer(0, None)),
        "Limit" => Some(integer(1, Some(100))),
        "lengthMinutes" => Some(integer(1, Some(1440))),
        "date" | "dateStart" | "dateEnd" => Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
                .pattern(Some(r"^\d{4}-\d{2}-\d{2}$"))
                .build(),
        ),
        n if n.ends_with("Num") => Some(integer(0, None)),
        _ => None,
    }
}

/// The spec, served without authentication so tools can discover the API.
async fn openapi_json() -> Response {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => ApiError::Internal(e.to_string()).into_response(),
    }
}
