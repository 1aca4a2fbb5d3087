//! The platform resources against moto, through the stand-in engine over gRPC: KMS key and alias,
//! IAM role, attachment and password policy, REST API, log group, S3 bucket and its policy,
//! encryption and public access block; and the seed's non-network set for one region.

use tap::value::{PropertyMap, Value};

use crate::harness::engine::Deployment;
use crate::harness::program::*;
use crate::harness::proxy::closed_port_url;
use crate::harness::{props, provider_config, tags, unique, Engine, EngineError, Op, Registration, Rig, ACCOUNT};

const ACCOUNT_ID: &str = "123456789012";
const LOGS_POLICY: &str = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs";

fn key_policy(region: &str, prefix: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Id": "key-policy-for-secure-infrastructure",
        "Statement": [
            {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT_ID}:root")}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "Allow CloudWatch Logs Service", "Effect": "Allow", "Principal": {"Service": format!("logs.{region}.amazonaws.com")},
             "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*",
             "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": format!("arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:/aws/apigateway/{prefix}")}}}
        ]
    })
    .to_string()
}

fn trust_policy() -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole",
                       "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}}}]
    })
    .to_string()
}

fn api_policy(vpce: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:*",
                       "Condition": {"StringEquals": {"aws:SourceVpce": vpce}}}]
    })
    .to_string()
}

fn tls_policy(bucket: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "DenyInsecureConnections", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                       "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
                       "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]
    })
    .to_string()
}

fn json_eq(a: &str, b: &str) -> bool {
    let p = |t: &str| crate::harness::policy_form(t);
    p(a) == p(b)
}

#[tokio::test]
async fn kms_key_lifecycle_policy_rotation_tags_window_drift_and_scheduled_deletion() {
    let rig = Rig::new("us-east-1").await;
    let prefix = unique("kms");
    let program = |description: &'static str, rotation: bool, window: f64, team: bool| {
        let prefix = prefix.clone();
        move |d: Deployment| async move {
            let mut t = vec![("Name", "k"), ("Purpose", "Secure encryption for infrastructure components")];
            if team {
                t.push(("Team", "sec"));
            }
            let k = reg(
                &d,
                "tap:kms:Key",
                "k",
                props([
                    ("description", s(description)),
                    ("enableKeyRotation", Value::Bool(rotation)),
                    ("deletionWindowInDays", Value::Number(window)),
                    ("policy", s(&key_policy("us-east-1", &prefix))),
                    ("tags", tags(&t)),
                ]),
            )
            .await;
            (d, vec![("k", k)])
        }
    };
    let (r, _) =
        up(&rig, program("KMS Customer Managed Key for secure encryption in us-east-1", true, 30.0, false)).await;
    let k = r["k"].clone();
    let kms = rig.aws().await.kms.clone();
    let meta = kms.describe_key().key_id(&k.id).send().await.expect("describe");
    assert_eq!(
        meta.key_metadata().and_then(|m| m.description()),
        Some("KMS Customer Managed Key for secure encryption in us-east-1")
    );
    assert!(kms.get_key_rotation_status().key_id(&k.id).send().await.expect("rotation").key_rotation_enabled());
    let policy = kms.get_key_policy().key_id(&k.id).policy_name("default").send().await.expect("policy");
    assert!(json_eq(policy.policy().expect("policy"), &key_policy("us-east-1", &prefix)));
    let listed = kms.list_resource_tags().key_id(&k.id).send().await.expect("tags");
    assert!(listed.tags().iter().any(|t| t.tag_key() == "Purpose"));
    assert_eq!(k.out("arn"), Value::str(meta.key_metadata().and_then(|m| m.arn()).unwrap_or_default()));
    assert_eq!(k.out("keyId"), Value::str(&k.id));

    rig.proxy.reset();
    let (r2, _) =
        up(&rig, program("KMS Customer Managed Key for secure encryption in us-east-1", true, 30.0, false)).await;
    assert!(all(&r2, Op::Same));
    no_mutations(&rig);

    rig.proxy.reset();
    let (r3, _) = up(&rig, program("changed", false, 7.0, true)).await;
    assert_eq!(r3["k"].op, Op::Update);
    assert_eq!(mutations(&rig), ["UpdateKeyDescription", "DisableKeyRotation", "TagResource"]);
    assert!(!kms.get_key_rotation_status().key_id(&k.id).send().await.expect("rotation").key_rotation_enabled());
    assert_eq!(r3["k"].out("deletionWindowInDays"), Value::Number(7.0));

    // Drift: rotation turned on by hand is seen and undone.
    kms.enable_key_rotation().key_id(&k.id).send().await.expect("enable by hand");
    rig.engine.refresh().await.expect("refresh");
    assert_eq!(rig.engine.resource(&k.urn).await.expect("state").outputs["enableKeyRotation"], Value::Bool(true));
    assert_eq!(
        rig.engine.resource(&k.urn).await.expect("state").outputs["deletionWindowInDays"],
        Value::Number(7.0),
        "kept across refresh"
    );
    let (r4, _) = up(&rig, program("changed", false, 7.0, true)).await;
    assert_eq!(r4["k"].op, Op::Update);
    assert!(!kms.get_key_rotation_status().key_id(&k.id).send().await.expect("rotation").key_rotation_enabled());

    let imported = read(&rig, "tap:kms:Key", &k.id).await.expect("import");
    assert_eq!(imported["description"], s("changed"));

    // Destroy schedules deletion with the window; a key pending deletion reads as gone; deleting
    // again is fine.
    rig.engine.destroy().await.expect("destroy");
    let meta = kms.describe_key().key_id(&k.id).send().await.expect("describe");
    assert_eq!(meta.key_metadata().and_then(|m| m.key_state()), Some(&aws_sdk_kms::types::KeyState::PendingDeletion));
    assert!(read(&rig, "tap:kms:Key", &k.id).await.is_none());
    delete_again(&rig, "tap:kms:Key", &r4["k"]).await;
}

#[tokio::test]
async fn kms_key_gone_by_hand_and_key_usage_change_replaces() {
    let rig = Rig::new("us-west-2").await;
    let program = |usage: &'static str| {
        move |d: Deployment| async move {
            let k = reg(
                &d,
                "tap:kms:Key",
                "k",
                props([("keyUsage", s(usage)), ("deletionWindowInDays", Value::Number(7.0))]),
            )
            .await;
            (d, vec![("k", k)])
        }
    };
    let (r, _) = up(&rig, program("ENCRYPT_DECRYPT")).await;
    let (r2, deleted) = up(&rig, program("GENERATE_VERIFY_MAC")).await;
    assert_eq!(r2["k"].op, Op::Replace);
    assert_eq!(deleted, [(r["k"].urn.clone(), Op::Delete)]);
    assert!(read(&rig, "tap:kms:Key", &r["k"].id).await.is_none(), "the old key is pending deletion");
    rig.aws()
        .await
        .kms
        .schedule_key_deletion()
        .key_id(&r2["k"].id)
        .pending_window_in_days(7)
        .send()
        .await
        .expect("by hand");
    let steps = rig.engine.refresh().await.expect("refresh");
    assert_eq!(steps, [(r2["k"].urn.clone(), Op::Delete)]);
}

#[tokio::test]
async fn kms_alias_retargets_in_place_and_replaces_on_rename() {
    let rig = Rig::new("us-east-1").await;
    let base = unique("alias");
    let program = |target: u8, suffix: &'static str| {
        let base = base.clone();
        move |d: Deployment| async move {
            let k1 = reg(&d, "tap:kms:Key", "k1", props([("deletionWindowInDays", Value::Number(7.0))])).await;
            let k2 = reg(&d, "tap:kms:Key", "k2", props([("deletionWindowInDays", Value::Number(7.0))])).await;
            let key = if target == 1 { k1.out("arn") } else { s(&k2.id) };
            let a = reg(
                &d,
                "tap:kms:Alias",
                "a",
                props([("name", s(&format!("alias/{base}-{suffix}"))), ("targetKeyId", key)]),
            )
            .await;
            (d, vec![("k1", k1), ("k2", k2), ("a", a)])
        }
    };
    let kms = rig.aws().await.kms.clone();
    let target_of = |name: String| {
        let kms = kms.clone();
        async move {
            let out = kms.list_aliases().send().await.expect("list");
            out.aliases()
                .iter()
                .find(|a| a.alias_name() == Some(name.as_str()))
                .and_then(|a| a.target_key_id().map(str::to_string))
        }
    };
    let (r, _) = up(&rig, program(1, "secure-key")).await;
    let a = r["a"].clone();
    assert_eq!(a.id, format!("alias/{base}-secure-key"));
    assert_eq!(target_of(a.id.clone()).await, Some(r["k1"].id.clone()));

    rig.proxy.reset();
    let (r2, _) = up(&rig, program(1, "secure-key")).await;
    assert!(all(&r2, Op::Same), "a key ARN and the key id AWS reports are the same target: {:?}", ops(&r2));
    no_mutations(&rig);

    rig.proxy.reset();
    let (r3, _) = up(&rig, program(2, "secure-key")).await;
    assert_eq!(r3["a"].op, Op::Update);
    // The alias's marker moves with it: tagged on the new key, removed from the old.
    assert_eq!(mutations(&rig), ["TagResource", "UpdateAlias", "UntagResource"]);
    assert_eq!(target_of(a.id.clone()).await, Some(r["k2"].id.clone()));

    // Drift: pointed back at k1 by hand; the next up repairs it.
    kms.update_alias().alias_name(&a.id).target_key_id(&r["k1"].id).send().await.expect("by hand");
    rig.engine.refresh().await.expect("refresh");
    let (r4, _) = up(&rig, program(2, "secure-key")).await;
    assert_eq!(r4["a"].op, Op::Update);
    assert_eq!(target_of(a.id.clone()).await, Some(r["k2"].id.clone()));

    let imported = read(&rig, "tap:kms:Alias", &a.id).await.expect("import");
    assert_eq!(imported["targetKeyId"], s(&r["k2"].id));

    let (r5, deleted) = up(&rig, program(2, "renamed")).await;
    assert_eq!(r5["a"].op, Op::Replace);
    assert_eq!(deleted, [(a.urn.clone(), Op::Delete)]);
    assert_eq!(target_of(a.id.clone()).await, None);

    kms.delete_alias().alias_name(&r5["a"].id).send().await.expect("delete by hand");
    let steps = rig.engine.refresh().await.expect("refresh");
    assert!(steps.contains(&(r5["a"].urn.clone(), Op::Delete)));
    rig.engine.destroy().await.expect("destroy");
    delete_again(&rig, "tap:kms:Alias", &r5["a"]).await;
}

#[tokio::test]
async fn iam_role_and_attachment_lifecycle() {
    // Account-wide state (IAM names, S3's global bucket names): not alongside other such tests.
    let _account = ACCOUNT.lock().await;
    let rig = Rig::new("us-east-1").await;
    let name = unique("role");
    let program = |role_name: String, description: &'static str, duration: f64, policy: &'static str| {
        move |d: Deployment| async move {
            let role = reg(
                &d,
                "tap:iam:Role",
                "role",
                props([
                    ("name", s(&role_name)),
                    ("assumeRolePolicy", s(&trust_policy())),
                    ("description", s(description)),
                    ("maxSessionDuration", Value::Number(duration)),
                    ("tags", tags(&[("Purpose", "API Gateway CloudWatch Logs Access")])),
                ]),
            )
            .await;
            let att = reg(
                &d,
                "tap:iam:RolePolicyAttachment",
                "att",
                props([("role", s(&role.id)), ("policyArn", s(policy))]),
            )
            .await;
            (d, vec![("role", role), ("att", att)])
        }
    };
    let other_policy = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    let (r, _) = up(&rig, program(name.clone(), "IAM role for API Gateway", 3600.0, LOGS_POLICY)).await;
    let (role, att) = (r["role"].clone(), r["att"].clone());
    assert_eq!(role.id, name);
    assert_eq!(att.id, format!("{name}/{LOGS_POLICY}"));
    let iam = rig.aws().await.iam.clone();
    let got = iam.get_role().role_name(&name).send().await.expect("get role");
    let trust = crate::harness::url_decode(got.role().expect("role").assume_role_policy_document().expect("trust"));
    assert!(json_eq(&trust, &trust_policy()), "{trust}");
    assert!(matches!(role.out("arn"), Value::String(a) if a == format!("arn:aws:iam::{ACCOUNT_ID}:role/{name}")));
    assert!(matches!(role.out("uniqueId"), Value::String(u) if !u.is_empty()));
    let attached = |role: String| {
        let iam = iam.clone();
        async move {
            let out = iam.list_attached_role_policies().role_name(role).send().await.expect("list");
            out.attached_policies().iter().filter_map(|p| p.policy_arn().map(str::to_string)).collect::<Vec<_>>()
        }
    };
    assert_eq!(attached(name.clone()).await, [LOGS_POLICY]);

    rig.proxy.reset();
    let (r2, _) = up(&rig, program(name.clone(), "IAM role for API Gateway", 3600.0, LOGS_POLICY)).await;
    assert!(all(&r2, Op::Same), "the URL-encoded trust policy AWS returns is not a change: {:?}", ops(&r2));
    no_mutations(&rig);

    rig.proxy.reset();
    let (r3, _) = up(&rig, program(name.clone(), "changed", 7200.0, LOGS_POLICY)).await;
    assert_eq!(r3["role"].op, Op::Update);
    assert_eq!(mutations(&rig), ["UpdateRole"]);
    let got = iam.get_role().role_name(&name).send().await.expect("get role");
    assert_eq!(got.role().and_then(|r| r.max_session_duration()), Some(7200));

    // Drift: description changed by hand; policy detached by hand.
    iam.update_role().role_name(&name).description("by hand").send().await.expect("by hand");
    iam.detach_role_policy().role_name(&name).policy_arn(LOGS_POLICY).send().await.expect("detach by hand");
    let steps = rig.engine.refresh().await.expect("refresh");
    assert!(steps.contains(&(att.urn.clone(), Op::Delete)), "the detached attachment is gone: {steps:?}");
    assert_eq!(rig.engine.resource(&role.urn).await.expect("state").outputs["description"], s("by hand"));
    let (r4, _) = up(&rig, program(name.clone(), "changed", 7200.0, LOGS_POLICY)).await;
    assert_eq!(r4["role"].op, Op::Update);
    assert_eq!(r4["att"].op, Op::Create);
    assert_eq!(attached(name.clone()).await, [LOGS_POLICY]);

    let imported = read(&rig, "tap:iam:Role", &name).await.expect("import role");
    assert!(json_eq(imported["assumeRolePolicy"].to_json().as_str().expect("text"), &trust_policy()));
    let imported = read(&rig, "tap:iam:RolePolicyAttachment", &att.id).await.expect("import attachment");
    assert_eq!(imported["policyArn"], s(LOGS_POLICY));

    // Another policy replaces the attachment; another name replaces the role (and its attachment).
    let (r5, deleted) = up(&rig, program(name.clone(), "changed", 7200.0, other_policy)).await;
    assert_eq!(r5["att"].op, Op::Replace);
    assert_eq!(deleted, [(att.urn.clone(), Op::Delete)]);
    assert_eq!(attached(name.clone()).await, [other_policy]);
    let renamed = format!("{name}-2");
    let (r6, _) = up(&rig, program(renamed.clone(), "changed", 7200.0, other_policy)).await;
    assert_eq!(r6["role"].op, Op::Replace);
    assert_eq!(r6["att"].op, Op::Replace);
    assert!(iam.get_role().role_name(&name).send().await.is_err(), "the old role is gone");

    rig.engine.destroy().await.expect("destroy");
    assert!(iam.get_role().role_name(&renamed).send().await.is_err());
    delete_again(&rig, "tap:iam:RolePolicyAttachment", &r6["att"]).await;
    delete_again(&rig, "tap:iam:Role", &r6["role"]).await;
}

fn password_policy(length: f64) -> PropertyMap {
    props([
        ("minimumPasswordLength", Value::Number(length)),
        ("requireSymbols", Value::Bool(true)),
        ("requireNumbers", Value::Bool(true)),
        ("requireUppercaseCharacters", Value::Bool(true)),
        ("requireLowercaseCharacters", Value::Bool(true)),
        ("allowUsersToChangePassword", Value::Bool(true)),
        ("hardExpiry", Value::Bool(true)),
        ("passwordReusePrevention", Value::Number(5.0)),
        ("maxPasswordAge", Value::Number(90.0)),
    ])
}

#[tokio::test]
async fn account_password_policy_lifecycle() {
    let _account = ACCOUNT.lock().await;
    let rig = Rig::new("us-east-1").await;
    let program = |length: f64| {
        move |d: Deployment| async move {
            let p = reg(&d, "tap:iam:AccountPasswordPolicy", "password-policy", password_policy(length)).await;
            (d, vec![("p", p)])
        }
    };
    let iam = rig.aws().await.iam.clone();
    let (r, _) = up(&rig, program(14.0)).await;
    assert_eq!(r["p"].id, "iam-account-password-policy");
    let got = iam.get_account_password_policy().send().await.expect("get");
    let p = got.password_policy().expect("policy");
    assert_eq!(p.minimum_password_length(), Some(14));
    assert!(
        p.require_symbols()
            && p.require_numbers()
            && p.require_uppercase_characters()
            && p.require_lowercase_characters()
    );
    assert!(p.allow_users_to_change_password());
    assert_eq!(p.hard_expiry(), Some(true));
    assert_eq!(p.password_reuse_prevention(), Some(5));
    assert_eq!(p.max_password_age(), Some(90));

    rig.proxy.reset();
    let (r2, _) = up(&rig, program(14.0)).await;
    assert!(all(&r2, Op::Same));
    no_mutations(&rig);

    rig.proxy.reset();
    let (r3, _) = up(&rig, program(20.0)).await;
    assert_eq!(r3["p"].op, Op::Update);
    assert_eq!(mutations(&rig), ["UpdateAccountPasswordPolicy"]);

    // Drift by hand, repaired by the next up.
    iam.update_account_password_policy().minimum_password_length(8).send().await.expect("by hand");
    rig.engine.refresh().await.expect("refresh");
    assert_eq!(
        rig.engine.resource(&r["p"].urn).await.expect("state").outputs["minimumPasswordLength"],
        Value::Number(8.0)
    );
    let (r4, _) = up(&rig, program(20.0)).await;
    assert_eq!(r4["p"].op, Op::Update);
    assert_eq!(
        iam.get_account_password_policy()
            .send()
            .await
            .expect("get")
            .password_policy()
            .and_then(|p| p.minimum_password_length()),
        Some(20)
    );

    let imported = read(&rig, "tap:iam:AccountPasswordPolicy", "iam-account-password-policy").await.expect("import");
    assert_eq!(imported["maxPasswordAge"], Value::Number(90.0));

    iam.delete_account_password_policy().send().await.expect("delete by hand");
    let steps = rig.engine.refresh().await.expect("refresh");
    assert_eq!(steps, [(r["p"].urn.clone(), Op::Delete)]);
    let (r5, _) = up(&rig, program(14.0)).await;
    assert_eq!(r5["p"].op, Op::Create);
    rig.engine.destroy().await.expect("destroy");
    assert!(iam.get_account_password_policy().send().await.is_err(), "destroy removes the policy");
    delete_again(&rig, "tap:iam:AccountPasswordPolicy", &r5["p"]).await;
}

#[tokio::test]
async fn rest_api_updates_in_place_with_patch_operations() {
    let rig = Rig::new("us-east-1").await;
    let name = unique("api");
    // moto accepts an endpoint id that does not exist; tap's check only requires the vpce- form.
    let vpce = "vpce-0123456789abcdef0";
    let program = |api_name: String, description: &'static str, policy: String| {
        move |d: Deployment| async move {
            let api = reg(
                &d,
                "tap:apigateway:RestApi",
                "api",
                props([
                    ("name", s(&api_name)),
                    ("description", s(description)),
                    ("endpointConfiguration", obj(&[("types", s("PRIVATE")), ("vpcEndpointIds", list(&[vpce]))])),
                    ("policy", s(&policy)),
                    ("tags", tags(&[("Purpose", "Secure Private API Gateway")])),
                ]),
            )
            .await;
            (d, vec![("api", api)])
        }
    };
    let apigw = rig.aws().await.apigateway.clone();
    let (r, _) = up(
        &rig,
        program(name.clone(), "Private API Gateway restricted to VPC endpoint in us-east-1", api_policy(vpce)),
    )
    .await;
    let api = r["api"].clone();
    let got = apigw.get_rest_api().rest_api_id(&api.id).send().await.expect("get");
    assert_eq!(got.name(), Some(name.as_str()));
    let config = got.endpoint_configuration().expect("endpoint configuration");
    assert_eq!(config.types().iter().map(|t| t.as_str()).collect::<Vec<_>>(), ["PRIVATE"]);
    assert_eq!(config.vpc_endpoint_ids(), [vpce]);
    assert!(got.policy().is_some_and(|p| p.contains("aws:SourceVpce")));
    assert_eq!(got.tags().and_then(|t| t.get("Purpose")).map(String::as_str), Some("Secure Private API Gateway"));
    assert_eq!(api.out("executionArn"), s(&format!("arn:aws:execute-api:us-east-1:{ACCOUNT_ID}:{}", api.id)));
    assert!(matches!(api.out("rootResourceId"), Value::String(id) if !id.is_empty()));

    rig.proxy.reset();
    let (r2, _) = up(
        &rig,
        program(name.clone(), "Private API Gateway restricted to VPC endpoint in us-east-1", api_policy(vpce)),
    )
    .await;
    assert!(all(&r2, Op::Same), "{:?}", ops(&r2));
    no_mutations(&rig);

    let deny = api_policy(vpce).replace("Allow", "Deny");
    rig.proxy.reset();
    let (r3, _) = up(&rig, program(format!("{name}-renamed"), "changed", deny.clone())).await;
    assert_eq!(r3["api"].op, Op::Update);
    assert_eq!(r3["api"].id, api.id);
    assert_eq!(mutations(&rig), ["PATCH /restapis/".to_string() + &api.id]);
    let got = apigw.get_rest_api().rest_api_id(&api.id).send().await.expect("get");
    assert_eq!(got.description(), Some("changed"));
    assert_eq!(got.name(), Some(format!("{name}-renamed").as_str()));
    assert!(got.policy().is_some_and(|p| p.contains("Deny")));

    // Drift: description changed by hand.
    apigw
        .update_rest_api()
        .rest_api_id(&api.id)
        .patch_operations(
            aws_sdk_apigateway::types::PatchOperation::builder()
                .op(aws_sdk_apigateway::types::Op::Replace)
                .path("/description")
                .value("by hand")
                .build(),
        )
        .send()
        .await
        .expect("by hand");
    rig.engine.refresh().await.expect("refresh");
    let (r4, _) = up(&rig, program(format!("{name}-renamed"), "changed", deny.clone())).await;
    assert_eq!(r4["api"].op, Op::Update);
    assert_eq!(apigw.get_rest_api().rest_api_id(&api.id).send().await.expect("get").description(), Some("changed"));

    let imported = read(&rig, "tap:apigateway:RestApi", &api.id).await.expect("import");
    assert_eq!(imported["endpointConfiguration"], obj(&[("types", s("PRIVATE")), ("vpcEndpointIds", list(&[vpce]))]));

    apigw.delete_rest_api().rest_api_id(&api.id).send().await.expect("delete by hand");
    let steps = rig.engine.refresh().await.expect("refresh");
    assert_eq!(steps, [(api.urn.clone(), Op::Delete)]);
    delete_again(&rig, "tap:apigateway:RestApi", &api).await;
}

#[tokio::test]
async fn rest_api_region_change_replaces_it() {
    let rig = Rig::new("us-east-1").await;
    let program = |region: &'static str| {
        move |d: Deployment| async move {
            let api = reg(
                &d,
                "tap:apigateway:RestApi",
                "api",
                props([
                    ("name", s("regional")),
                    ("region", s(region)),
                    ("endpointConfiguration", obj(&[("types", s("REGIONAL"))])),
                ]),
            )
            .await;
            (d, vec![("api", api)])
        }
    };
    let (r, _) = up(&rig, program("us-east-1")).await;
    let (r2, deleted) = up(&rig, program("eu-central-1")).await;
    assert_eq!(r2["api"].op, Op::Replace);
    assert_eq!(deleted, [(r["api"].urn.clone(), Op::Delete)]);
    rig.engine.destroy().await.expect("destroy");
}

#[tokio::test]
async fn log_group_retention_and_tags_update_in_place_and_name_change_replaces() {
    let rig = Rig::new("eu-central-1").await;
    let base = unique("/aws/apigateway/lg");
    let program = |suffix: &'static str, retention: f64, team: bool| {
        let base = base.clone();
        move |d: Deployment| async move {
            let k = reg(&d, "tap:kms:Key", "k", props([("deletionWindowInDays", Value::Number(7.0))])).await;
            let mut t = vec![("Purpose", "API Gateway Access Logs"), ("RetentionPeriod", "90-days")];
            if team {
                t.push(("Team", "obs"));
            }
            let lg = reg(
                &d,
                "tap:cloudwatch:LogGroup",
                "lg",
                props([
                    ("name", s(&format!("{base}{suffix}"))),
                    ("retentionInDays", Value::Number(retention)),
                    ("kmsKeyId", k.out("arn")),
                    ("tags", tags(&t)),
                ]),
            )
            .await;
            (d, vec![("k", k), ("lg", lg)])
        }
    };
    let logs = rig.aws().await.logs.clone();
    let describe = |name: String| {
        let logs = logs.clone();
        async move {
            let out = logs.describe_log_groups().log_group_name_prefix(&name).send().await.expect("describe");
            out.log_groups().iter().find(|g| g.log_group_name() == Some(name.as_str())).cloned()
        }
    };
    let (r, _) = up(&rig, program("", 90.0, false)).await;
    let lg = r["lg"].clone();
    let got = describe(lg.id.clone()).await.expect("exists");
    assert_eq!(got.retention_in_days(), Some(90));
    assert_eq!(got.kms_key_id().map(Value::str), Some(r["k"].out("arn")));
    assert!(
        matches!(lg.out("arn"), Value::String(a) if a.starts_with("arn:aws:logs:eu-central-1:") && !a.ends_with(":*"))
    );

    rig.proxy.reset();
    let (r2, _) = up(&rig, program("", 90.0, false)).await;
    assert!(all(&r2, Op::Same), "{:?}", ops(&r2));
    no_mutations(&rig);

    rig.proxy.reset();
    let (r3, _) = up(&rig, program("", 180.0, true)).await;
    assert_eq!(r3["lg"].op, Op::Update);
    assert_eq!(mutations(&rig), ["PutRetentionPolicy", "TagResource"]);
    assert_eq!(describe(lg.id.clone()).await.expect("exists").retention_in_days(), Some(180));
    assert_eq!(
        r3["lg"].out("tags"),
        tags(&[("Purpose", "API Gateway Access Logs"), ("RetentionPeriod", "90-days"), ("Team", "obs")])
    );

    logs.put_retention_policy().log_group_name(&lg.id).retention_in_days(1).send().await.expect("by hand");
    rig.engine.refresh().await.expect("refresh");
    let (r4, _) = up(&rig, program("", 180.0, true)).await;
    assert_eq!(r4["lg"].op, Op::Update);
    assert_eq!(describe(lg.id.clone()).await.expect("exists").retention_in_days(), Some(180));

    let imported = read(&rig, "tap:cloudwatch:LogGroup", &format!("{}@eu-central-1", lg.id)).await.expect("import");
    assert_eq!(imported["retentionInDays"], Value::Number(180.0));

    let (r5, deleted) = up(&rig, program("-renamed", 180.0, true)).await;
    assert_eq!(r5["lg"].op, Op::Replace);
    assert_eq!(deleted, [(lg.urn.clone(), Op::Delete)]);
    assert!(describe(lg.id.clone()).await.is_none());

    logs.delete_log_group().log_group_name(&r5["lg"].id).send().await.expect("by hand");
    let steps = rig.engine.refresh().await.expect("refresh");
    assert!(steps.contains(&(r5["lg"].urn.clone(), Op::Delete)));
    rig.engine.destroy().await.expect("destroy");
    delete_again(&rig, "tap:cloudwatch:LogGroup", &r5["lg"]).await;
}

#[tokio::test]
async fn s3_bucket_lifecycle_in_its_region_with_force_destroy() {
    // Account-wide state (IAM names, S3's global bucket names): not alongside other such tests.
    let _account = ACCOUNT.lock().await;
    let rig = Rig::new("us-west-2").await;
    let name = unique("tap-bucket");
    let program = |bucket: String, force: bool, team: bool| {
        move |d: Deployment| async move {
            let mut t = vec![("Purpose", "Secure data storage with KMS encryption")];
            if team {
                t.push(("Team", "data"));
            }
            let b = reg(
                &d,
                "tap:s3:Bucket",
                "b",
                props([("bucket", s(&bucket)), ("forceDestroy", Value::Bool(force)), ("tags", tags(&t))]),
            )
            .await;
            (d, vec![("b", b)])
        }
    };
    let s3 = rig.aws().await.s3.clone();
    let (r, _) = up(&rig, program(name.clone(), false, false)).await;
    let b = r["b"].clone();
    assert_eq!(b.id, name);
    let location = s3.get_bucket_location().bucket(&name).send().await.expect("location");
    assert_eq!(location.location_constraint().map(|l| l.as_str()), Some("us-west-2"));
    assert_eq!(b.out("arn"), s(&format!("arn:aws:s3:::{name}")));

    rig.proxy.reset();
    let (r2, _) = up(&rig, program(name.clone(), false, false)).await;
    assert!(all(&r2, Op::Same));
    no_mutations(&rig);

    rig.proxy.reset();
    let (r3, _) = up(&rig, program(name.clone(), false, true)).await;
    assert_eq!(r3["b"].op, Op::Update);
    assert_eq!(mutations(&rig), ["PUT tagging"]);
    let got = s3.get_bucket_tagging().bucket(&name).send().await.expect("tagging");
    assert!(got.tag_set().iter().any(|t| t.key() == "Team"));

    // Drift: tags removed by hand.
    s3.delete_bucket_tagging().bucket(&name).send().await.expect("by hand");
    rig.engine.refresh().await.expect("refresh");
    assert_eq!(rig.engine.resource(&b.urn).await.expect("state").outputs["tags"], tags(&[]));
    let (r4, _) = up(&rig, program(name.clone(), false, true)).await;
    assert_eq!(r4["b"].op, Op::Update);

    let imported = read(&rig, "tap:s3:Bucket", &format!("{name}@us-west-2")).await.expect("import");
    assert_eq!(imported["bucket"], s(&name));

    // Not empty, no forceDestroy: a clear refusal. With forceDestroy, every version goes.
    s3.put_bucket_versioning()
        .bucket(&name)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("versioning");
    for body in ["one", "two"] {
        s3.put_object()
            .bucket(&name)
            .key("file.txt")
            .body(aws_sdk_s3::primitives::ByteStream::from_static(body.as_bytes()))
            .send()
            .await
            .expect("put");
    }
    s3.delete_object().bucket(&name).key("file.txt").send().await.expect("delete marker");
    let err = rig.engine.destroy().await.expect_err("not empty");
    assert!(err.to_string().contains("not empty") && err.to_string().contains("forceDestroy"), "{err}");
    let (r5, _) = up(&rig, program(name.clone(), true, true)).await;
    assert_eq!(r5["b"].op, Op::Update, "forceDestroy changes in place");
    rig.engine.destroy().await.expect("destroy with forceDestroy");
    assert!(s3.head_bucket().bucket(&name).send().await.is_err(), "the bucket is gone");
    delete_again(&rig, "tap:s3:Bucket", &r5["b"]).await;
}

#[tokio::test]
async fn s3_bucket_autoname_rename_replaces_and_gone_is_reported() {
    // Account-wide state (IAM names, S3's global bucket names): not alongside other such tests.
    let _account = ACCOUNT.lock().await;
    let rig = Rig::new("us-east-1").await;
    let program = |prefix: Option<&'static str>| {
        move |d: Deployment| async move {
            let inputs = match prefix {
                Some(p) => props([("bucketPrefix", s(p)), ("forceDestroy", Value::Bool(true))]),
                None => props([("forceDestroy", Value::Bool(true))]),
            };
            let b = reg(&d, "tap:s3:Bucket", "Data-Bucket", inputs).await;
            (d, vec![("b", b)])
        }
    };
    let (r, _) = up(&rig, program(None)).await;
    assert!(r["b"].id.starts_with("data-bucket-") && r["b"].id.len() == "data-bucket-".len() + 7, "{}", r["b"].id);
    let (r2, _) = up(&rig, program(None)).await;
    assert_eq!(r2["b"].op, Op::Same, "the autoname is kept");
    let (r3, deleted) = up(&rig, program(Some("tap-logs-"))).await;
    assert_eq!(r3["b"].op, Op::Replace);
    assert!(r3["b"].id.starts_with("tap-logs-"));
    assert_eq!(deleted.len(), 1);
    rig.aws().await.s3.delete_bucket().bucket(&r3["b"].id).send().await.expect("by hand");
    let steps = rig.engine.refresh().await.expect("refresh");
    assert_eq!(steps, [(r3["b"].urn.clone(), Op::Delete)]);
}

#[tokio::test]
async fn s3_policy_encryption_and_public_access_block_lifecycle() {
    // Account-wide state (IAM names, S3's global bucket names): not alongside other such tests.
    let _account = ACCOUNT.lock().await;
    let rig = Rig::new("us-east-1").await;
    let name = unique("tap-sub");
    let program = |variant: u8| {
        let name = name.clone();
        move |d: Deployment| async move {
            let k = reg(&d, "tap:kms:Key", "k", props([("deletionWindowInDays", Value::Number(7.0))])).await;
            let b =
                reg(&d, "tap:s3:Bucket", "b", props([("bucket", s(&name)), ("forceDestroy", Value::Bool(true))])).await;
            let policy = if variant == 0 {
                tls_policy(&b.id)
            } else {
                tls_policy(&b.id).replace("DenyInsecureConnections", "DenyHttp")
            };
            let p = reg(&d, "tap:s3:BucketPolicy", "p", props([("bucket", s(&b.id)), ("policy", s(&policy))])).await;
            let by_default = if variant == 0 {
                obj(&[("sseAlgorithm", s("aws:kms")), ("kmsMasterKeyId", k.out("arn"))])
            } else {
                obj(&[("sseAlgorithm", s("AES256"))])
            };
            let e = reg(
                &d,
                "tap:s3:BucketServerSideEncryptionConfiguration",
                "e",
                props([
                    ("bucket", s(&b.id)),
                    (
                        "rules",
                        Value::Array(vec![obj(&[
                            ("applyServerSideEncryptionByDefault", by_default),
                            ("bucketKeyEnabled", Value::Bool(variant == 0)),
                        ])]),
                    ),
                ]),
            )
            .await;
            let all_on = variant == 0;
            let pab = reg(
                &d,
                "tap:s3:BucketPublicAccessBlock",
                "pab",
                props([
                    ("bucket", s(&b.id)),
                    ("blockPublicAcls", Value::Bool(true)),
                    ("blockPublicPolicy", Value::Bool(true)),
                    ("ignorePublicAcls", Value::Bool(true)),
                    ("restrictPublicBuckets", Value::Bool(all_on)),
                ]),
            )
            .await;
            (d, vec![("k", k), ("b", b), ("p", p), ("e", e), ("pab", pab)])
        }
    };
    let s3 = rig.aws().await.s3.clone();
    let (r, _) = up(&rig, program(0)).await;
    let policy = s3.get_bucket_policy().bucket(&name).send().await.expect("policy");
    assert!(json_eq(policy.policy().expect("text"), &tls_policy(&name)));
    let enc = s3.get_bucket_encryption().bucket(&name).send().await.expect("encryption");
    let rule = &enc.server_side_encryption_configuration().expect("config").rules()[0];
    let by_default = rule.apply_server_side_encryption_by_default().expect("default");
    assert_eq!(by_default.sse_algorithm().as_str(), "aws:kms");
    assert_eq!(by_default.kms_master_key_id().map(Value::str), Some(r["k"].out("arn")));
    assert_eq!(rule.bucket_key_enabled(), Some(true));
    let pab = s3.get_public_access_block().bucket(&name).send().await.expect("pab");
    let c = pab.public_access_block_configuration().expect("config");
    assert_eq!(
        (c.block_public_acls(), c.block_public_policy(), c.ignore_public_acls(), c.restrict_public_buckets()),
        (Some(true), Some(true), Some(true), Some(true))
    );

    rig.proxy.reset();
    let (r2, _) = up(&rig, program(0)).await;
    assert!(all(&r2, Op::Same), "{:?}", ops(&r2));
    no_mutations(&rig);

    rig.proxy.reset();
    let (r3, _) = up(&rig, program(1)).await;
    assert_eq!((r3["p"].op, r3["e"].op, r3["pab"].op), (Op::Update, Op::Update, Op::Update));
    assert_eq!(mutations(&rig), ["PUT policy", "PUT encryption", "PUT publicAccessBlock"]);
    let enc = s3.get_bucket_encryption().bucket(&name).send().await.expect("encryption");
    assert_eq!(
        enc.server_side_encryption_configuration().expect("c").rules()[0]
            .apply_server_side_encryption_by_default()
            .expect("d")
            .sse_algorithm()
            .as_str(),
        "AES256"
    );

    // Drift / gone: the public access block removed by hand; refresh drops it; up recreates it.
    s3.delete_public_access_block().bucket(&name).send().await.expect("by hand");
    let steps = rig.engine.refresh().await.expect("refresh");
    assert!(steps.contains(&(r["pab"].urn.clone(), Op::Delete)), "{steps:?}");
    let (r4, _) = up(&rig, program(1)).await;
    assert_eq!(r4["pab"].op, Op::Create);

    for (t, id) in [
        ("tap:s3:BucketPolicy", &name),
        ("tap:s3:BucketServerSideEncryptionConfiguration", &name),
        ("tap:s3:BucketPublicAccessBlock", &name),
    ] {
        let imported = read(&rig, t, id).await.unwrap_or_else(|| panic!("import {t}"));
        assert_eq!(imported["bucket"], s(&name), "{t}");
    }

    // Destroy removes each configuration before the bucket; deleting them again is fine.
    rig.engine.destroy().await.expect("destroy");
    assert!(s3.head_bucket().bucket(&name).send().await.is_err());
    for (t, key) in [
        ("tap:s3:BucketPolicy", "p"),
        ("tap:s3:BucketServerSideEncryptionConfiguration", "e"),
        ("tap:s3:BucketPublicAccessBlock", "pab"),
    ] {
        delete_again(&rig, t, &r4[key]).await;
    }
}

#[tokio::test]
async fn s3_sub_resources_replace_when_the_bucket_changes() {
    // Account-wide state (IAM names, S3's global bucket names): not alongside other such tests.
    let _account = ACCOUNT.lock().await;
    let rig = Rig::new("us-east-1").await;
    let base = unique("tap-move");
    let program = |suffix: &'static str| {
        let base = base.clone();
        move |d: Deployment| async move {
            let b = reg(
                &d,
                "tap:s3:Bucket",
                "b",
                props([("bucket", s(&format!("{base}{suffix}"))), ("forceDestroy", Value::Bool(true))]),
            )
            .await;
            let pab = reg(
                &d,
                "tap:s3:BucketPublicAccessBlock",
                "pab",
                props([("bucket", s(&b.id)), ("blockPublicAcls", Value::Bool(true))]),
            )
            .await;
            (d, vec![("b", b), ("pab", pab)])
        }
    };
    up(&rig, program("-a")).await;
    let (r, _) = up(&rig, program("-b")).await;
    assert_eq!((r["b"].op, r["pab"].op), (Op::Replace, Op::Replace));
    rig.engine.destroy().await.expect("destroy");
}

#[tokio::test]
async fn platform_bad_inputs_are_rejected_by_check_with_no_aws_call() {
    let engine = Engine::start(provider_config("us-east-1", &closed_port_url())).await;
    let trust = s(&trust_policy());
    let table: Vec<(&str, PropertyMap, &str)> = vec![
        ("tap:kms:Key", props([("deletionWindowInDays", Value::Number(6.0))]), "deletionWindowInDays"),
        ("tap:kms:Key", props([("deletionWindowInDays", Value::Number(31.0))]), "deletionWindowInDays"),
        ("tap:kms:Key", props([("policy", s("{not json"))]), "policy"),
        ("tap:kms:Key", props([("policy", s(r#"{"Version":"2012-10-17"}"#))]), "policy"),
        ("tap:kms:Key", props([("keyUsage", s("DECRYPT_ONLY"))]), "keyUsage"),
        ("tap:kms:Alias", props([("name", s("my-key")), ("targetKeyId", s("k"))]), "name"),
        ("tap:kms:Alias", props([("name", s("alias/aws/s3")), ("targetKeyId", s("k"))]), "name"),
        ("tap:kms:Alias", props([("name", s("alias/x"))]), "targetKeyId"),
        ("tap:iam:Role", props([]), "assumeRolePolicy"),
        ("tap:iam:Role", props([("assumeRolePolicy", trust.clone()), ("name", s(&"r".repeat(65)))]), "name"),
        (
            "tap:iam:Role",
            props([("assumeRolePolicy", trust.clone()), ("maxSessionDuration", Value::Number(60.0))]),
            "maxSessionDuration",
        ),
        ("tap:iam:Role", props([("assumeRolePolicy", trust.clone()), ("path", s("service-role"))]), "path"),
        (
            "tap:iam:RolePolicyAttachment",
            props([("role", s("r")), ("policyArn", s("AmazonAPIGatewayPushToCloudWatchLogs"))]),
            "policyArn",
        ),
        (
            "tap:iam:AccountPasswordPolicy",
            props([("minimumPasswordLength", Value::Number(5.0))]),
            "minimumPasswordLength",
        ),
        (
            "tap:iam:AccountPasswordPolicy",
            props([("passwordReusePrevention", Value::Number(25.0))]),
            "passwordReusePrevention",
        ),
        ("tap:iam:AccountPasswordPolicy", props([("maxPasswordAge", Value::Number(1096.0))]), "maxPasswordAge"),
        (
            "tap:apigateway:RestApi",
            props([("name", s("a")), ("endpointConfiguration", obj(&[("types", s("PRIVATE"))]))]),
            "endpointConfiguration",
        ),
        (
            "tap:apigateway:RestApi",
            props([
                ("name", s("a")),
                ("endpointConfiguration", obj(&[("types", list(&["PRIVATE"])), ("vpcEndpointIds", list(&["vpce-1"]))])),
            ]),
            "endpointConfiguration",
        ),
        ("tap:apigateway:RestApi", props([("name", s("a")), ("policy", s("[]"))]), "policy"),
        ("tap:cloudwatch:LogGroup", props([("retentionInDays", Value::Number(91.0))]), "retentionInDays"),
        ("tap:cloudwatch:LogGroup", props([("kmsKeyId", s("1234abcd"))]), "kmsKeyId"),
        ("tap:s3:Bucket", props([("bucket", s("Bad_Name"))]), "bucket"),
        ("tap:s3:Bucket", props([("bucket", s("10.0.0.1"))]), "bucket"),
        ("tap:s3:Bucket", props([("bucket", s("a..b"))]), "bucket"),
        ("tap:s3:BucketPolicy", props([("bucket", s("ok-bucket")), ("policy", s("{}"))]), "policy"),
        (
            "tap:s3:BucketServerSideEncryptionConfiguration",
            props([
                ("bucket", s("ok-bucket")),
                (
                    "rules",
                    Value::Array(vec![obj(&[(
                        "applyServerSideEncryptionByDefault",
                        obj(&[("sseAlgorithm", s("rot13"))]),
                    )])]),
                ),
            ]),
            "rules",
        ),
        (
            "tap:s3:BucketPublicAccessBlock",
            props([("bucket", s("ok-bucket")), ("blockPublicAcls", s("maybe"))]),
            "blockPublicAcls",
        ),
        ("tap:s3:AccountPublicAccessBlock", props([("accountId", s("1234"))]), "accountId"),
        ("tap:s3:AccountPublicAccessBlock", props([("restrictPublicBuckets", s("yes"))]), "restrictPublicBuckets"),
        ("tap:ec2:EbsEncryptionByDefault", props([("enabled", Value::Bool(false))]), "enabled"),
    ];
    for (t, inputs, property) in table {
        let d = engine.run(false).await;
        let err = d.register(Registration::new(t, "bad", inputs.clone())).await.expect_err(t);
        let EngineError::CheckFailed(failures) = &err else { panic!("{t} {inputs:?}: not a check failure: {err}") };
        assert!(
            failures.iter().any(|f| f.property == property),
            "{t} {inputs:?}: expected {property}, got {failures:?}"
        );
    }
}

#[tokio::test]
async fn seed_platform_set_for_one_region_is_built_checked_and_removed() {
    let _account = ACCOUNT.lock().await;
    let region = "us-east-1";
    let rig = Rig::new(region).await;
    let prefix = unique("seed-us-east-1");
    let vpce = "vpce-0aaaabbbbccccdddd";
    let base = |suffix: &str, extra: &[(&str, &str)]| {
        let name = format!("{prefix}-{suffix}");
        let mut t = vec![("Environment", "Production"), ("Name", name.as_str())];
        t.extend_from_slice(extra);
        tags(&t)
    };
    let d = rig.engine.run(false).await;
    let key = reg(
        &d,
        "tap:kms:Key",
        "kms",
        props([
            ("description", s(&format!("KMS Customer Managed Key for secure encryption in {region}"))),
            ("enableKeyRotation", Value::Bool(true)),
            ("deletionWindowInDays", Value::Number(30.0)),
            ("policy", s(&key_policy(region, &prefix))),
            ("tags", base("kms", &[("Purpose", "Secure encryption for infrastructure components")])),
        ]),
    )
    .await;
    let alias = reg(
        &d,
        "tap:kms:Alias",
        "kms-alias",
        props([("name", s(&format!("alias/{prefix}-secure-key"))), ("targetKeyId", s(&key.id))]),
    )
    .await;
    let role_name: String = format!("{prefix}-apigateway-role").chars().take(56).collect::<String>() + "-abc1234";
    let role = reg(
        &d,
        "tap:iam:Role",
        "apigateway-role",
        props([
            ("name", s(&role_name)),
            ("assumeRolePolicy", s(&trust_policy())),
            ("description", s(&format!("IAM role for API Gateway with least privilege access in {region}"))),
            ("tags", base("apigateway-role", &[("Purpose", "API Gateway CloudWatch Logs Access")])),
        ]),
    )
    .await;
    reg(
        &d,
        "tap:iam:RolePolicyAttachment",
        "apigateway-logs-policy",
        props([("role", s(&role.id)), ("policyArn", s(LOGS_POLICY))]),
    )
    .await;
    let lg = reg(
        &d,
        "tap:cloudwatch:LogGroup",
        "apigw-logs",
        props([
            ("name", s(&format!("/aws/apigateway/{prefix}"))),
            ("retentionInDays", Value::Number(90.0)),
            ("kmsKeyId", key.out("arn")),
            ("tags", base("apigw-logs", &[("Purpose", "API Gateway Access Logs"), ("RetentionPeriod", "90-days")])),
        ]),
    )
    .await;
    let api = reg(
        &d,
        "tap:apigateway:RestApi",
        "private-api",
        props([
            ("name", s(&format!("{prefix}-private-api"))),
            ("description", s(&format!("Private API Gateway restricted to VPC endpoint in {region}"))),
            ("endpointConfiguration", obj(&[("types", s("PRIVATE")), ("vpcEndpointIds", list(&[vpce]))])),
            ("policy", s(&api_policy(vpce))),
            ("tags", base("private-api", &[("Purpose", "Secure Private API Gateway")])),
        ]),
    )
    .await;
    let bucket_name = format!("{}-secure-bucket-a1b2c3d", prefix.to_lowercase())
        .chars()
        .rev()
        .take(63)
        .collect::<String>()
        .chars()
        .rev()
        .collect::<String>();
    let bucket = reg(
        &d,
        "tap:s3:Bucket",
        "secure-bucket",
        props([
            ("bucket", s(bucket_name.trim_start_matches('-'))),
            ("forceDestroy", Value::Bool(true)),
            ("tags", base("secure-bucket", &[("Purpose", "Secure data storage with KMS encryption")])),
        ]),
    )
    .await;
    reg(
        &d,
        "tap:s3:BucketPolicy",
        "secure-bucket-policy",
        props([("bucket", s(&bucket.id)), ("policy", s(&tls_policy(&bucket.id)))]),
    )
    .await;
    reg(
        &d,
        "tap:s3:BucketServerSideEncryptionConfiguration",
        "secure-bucket-encryption",
        props([
            ("bucket", s(&bucket.id)),
            (
                "rules",
                Value::Array(vec![obj(&[
                    (
                        "applyServerSideEncryptionByDefault",
                        obj(&[("sseAlgorithm", s("aws:kms")), ("kmsMasterKeyId", key.out("arn"))]),
                    ),
                    ("bucketKeyEnabled", Value::Bool(true)),
                ])]),
            ),
        ]),
    )
    .await;
    reg(
        &d,
        "tap:s3:BucketPublicAccessBlock",
        "secure-bucket-pab",
        props([
            ("bucket", s(&bucket.id)),
            ("blockPublicAcls", Value::Bool(true)),
            ("blockPublicPolicy", Value::Bool(true)),
            ("ignorePublicAcls", Value::Bool(true)),
            ("restrictPublicBuckets", Value::Bool(true)),
        ]),
    )
    .await;
    let pp = reg(&d, "tap:iam:AccountPasswordPolicy", "password-policy", password_policy(14.0)).await;
    d.finish().await.expect("finish");

    let aws = rig.aws().await;
    // Key: rotation, policy (account root and the logs service for this group), tags.
    assert!(aws.kms.get_key_rotation_status().key_id(&key.id).send().await.expect("rotation").key_rotation_enabled());
    let policy = aws.kms.get_key_policy().key_id(&key.id).policy_name("default").send().await.expect("policy");
    let doc: serde_json::Value = serde_json::from_str(policy.policy().expect("text")).expect("json");
    assert_eq!(doc["Statement"][1]["Principal"]["Service"], format!("logs.{region}.amazonaws.com"));
    assert_eq!(doc["Statement"][0]["Principal"]["AWS"], format!("arn:aws:iam::{ACCOUNT_ID}:root"));
    // Alias.
    let aliases = aws.kms.list_aliases().key_id(&key.id).send().await.expect("aliases");
    assert_eq!(aliases.aliases()[0].alias_name(), Some(alias.id.as_str()));
    // Role, trust policy with the source-account condition, attachment.
    let got = aws.iam.get_role().role_name(&role.id).send().await.expect("role");
    let trust = crate::harness::url_decode(got.role().expect("role").assume_role_policy_document().expect("trust"));
    assert!(trust.contains("aws:SourceAccount"), "{trust}");
    let attached = aws.iam.list_attached_role_policies().role_name(&role.id).send().await.expect("attached");
    assert_eq!(attached.attached_policies()[0].policy_arn(), Some(LOGS_POLICY));
    // Log group: retention and key.
    let groups = aws.logs.describe_log_groups().log_group_name_prefix(&lg.id).send().await.expect("groups");
    assert_eq!(groups.log_groups()[0].retention_in_days(), Some(90));
    assert_eq!(groups.log_groups()[0].kms_key_id().map(Value::str), Some(key.out("arn")));
    // REST API: PRIVATE through the endpoint, with the SourceVpce policy.
    let got = aws.apigateway.get_rest_api().rest_api_id(&api.id).send().await.expect("api");
    assert_eq!(got.endpoint_configuration().map(|c| c.types()[0].as_str()), Some("PRIVATE"));
    assert!(got.policy().is_some_and(|p| p.contains(vpce)));
    // Bucket: encryption with bucket key, TLS-only policy, public access block.
    let enc = aws.s3.get_bucket_encryption().bucket(&bucket.id).send().await.expect("encryption");
    assert_eq!(enc.server_side_encryption_configuration().expect("c").rules()[0].bucket_key_enabled(), Some(true));
    let bp = aws.s3.get_bucket_policy().bucket(&bucket.id).send().await.expect("bucket policy");
    assert!(bp.policy().is_some_and(|p| p.contains("aws:SecureTransport")));
    let pab = aws.s3.get_public_access_block().bucket(&bucket.id).send().await.expect("pab");
    assert_eq!(pab.public_access_block_configuration().and_then(|c| c.restrict_public_buckets()), Some(true));
    // Password policy.
    let p = aws.iam.get_account_password_policy().send().await.expect("password policy");
    assert_eq!(p.password_policy().and_then(|p| p.minimum_password_length()), Some(14));
    assert_eq!(pp.id, "iam-account-password-policy");

    rig.engine.destroy().await.expect("destroy");
    let meta = aws.kms.describe_key().key_id(&key.id).send().await.expect("key");
    assert_eq!(
        meta.key_metadata().and_then(|m| m.key_state()),
        Some(&aws_sdk_kms::types::KeyState::PendingDeletion),
        "only the key is left, pending deletion"
    );
    assert!(aws.kms.list_aliases().key_id(&key.id).send().await.expect("aliases").aliases().is_empty());
    assert!(aws.iam.get_role().role_name(&role.id).send().await.is_err());
    assert!(aws
        .logs
        .describe_log_groups()
        .log_group_name_prefix(&lg.id)
        .send()
        .await
        .expect("groups")
        .log_groups()
        .is_empty());
    assert!(aws.apigateway.get_rest_api().rest_api_id(&api.id).send().await.is_err());
    assert!(aws.s3.head_bucket().bucket(&bucket.id).send().await.is_err());
    assert!(aws.iam.get_account_password_policy().send().await.is_err());
}
