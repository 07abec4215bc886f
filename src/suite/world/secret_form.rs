//! How a real instance takes a client secret written through the Table API (catalogue §15): the run's first
//! entity, made before any scenario with a user of its own and the grant property at the run's baseline, asks
//! for a token; refused, its secret is written again as a display value (`sysparm_input_display_value=true`,
//! which the Table API documents for encrypted fields) and it asks once more. Every later entity's secret is
//! written the way that worked; the report says which.

use secrecy::ExposeSecret;
use serde_json::json;

use crate::client::TokenRequest;
use crate::client::exchange::Exchange;
use crate::suite::context::SecretForm;

use super::SuiteWorld;
use super::journaled::UndoAt;
use super::replies::access_token;

/// The logical name of the run's first user and entity.
const FIRST: &str = "secret-check";
/// The parameter that makes the Table API take values as display values.
pub(super) const AS_DISPLAY_VALUE: [(&str, &str); 1] = [("sysparm_input_display_value", "true")];

impl SuiteWorld {
    /// Learns how the instance takes a client secret with an entity of the run's own, undone at once, and
    /// keeps the answer in the run's context; gives it (or why it could not be learned) and the requests
    /// it sent. Runs inside the run's context, before any scenario.
    pub(in crate::suite) async fn learn_secret_form() -> (Result<SecretForm, String>, Vec<Exchange>)
    {
        let mut world = match SuiteWorld::start().await {
            Ok(world) => world,
            Err(error) => return (Err(error.to_string()), Vec::new()),
        };
        world.scenario_id = "the run".into();
        world.scenario_number = "run".into();
        let form = world.try_secret_forms().await;
        let problems = world.records.restore().await;
        let exchanges = world.servicenow.recorder().exchanges();
        let form = match (form, problems.as_slice()) {
            (Ok(form), []) => {
                let _ = world.context.secret_form.set(form);
                Ok(form)
            }
            (Ok(_), problems) => Err(format!(
                "the run's first entity could not be undone: {}",
                problems.join("; ")
            )),
            (Err(why), _) => Err(format!("the run's first entity could not be made: {why}")),
        };
        (form, exchanges)
    }

    async fn try_secret_forms(&mut self) -> Result<SecretForm, String> {
        self.add_user(FIRST).await?;
        self.add_endpoint(FIRST, Some(FIRST)).await?;
        self.set_grant_property(Some("true")).await?;
        let endpoint = self.vocabulary.endpoint(FIRST)?.clone();
        let request =
            TokenRequest::client_credentials(&endpoint.client_id, &endpoint.client_secret);
        if self.token_issued(&request).await? {
            return Ok(SecretForm::AsWritten);
        }
        let sys_id = endpoint.sys_id.clone().unwrap_or_default();
        let secret = json!({ "client_secret": endpoint.client_secret.expose_secret() });
        self.records
            .update_with(
                UndoAt::ScenarioEnd,
                "oauth_entity",
                &sys_id,
                secret,
                &AS_DISPLAY_VALUE,
            )
            .await?;
        Ok(match self.token_issued(&request).await? {
            true => SecretForm::AsDisplayValue,
            false => SecretForm::Neither,
        })
    }

    async fn token_issued(&mut self, request: &TokenRequest) -> Result<bool, String> {
        let reply = self
            .servicenow
            .request_token(request)
            .await
            .map_err(|error| error.to_string())?;
        if reply.status >= 500 {
            return Err(format!(
                "the instance answered {} to its token request: a server or gateway error decides nothing",
                reply.status
            ));
        }
        Ok(access_token(&reply).is_some())
    }
}
