//! The API keys the sim accepts, from the fixture.

use std::collections::HashMap;

use crate::fixture::{AlicloudCredential, Fixture, TencentCredential};

#[derive(Debug, Default)]
pub(crate) struct Credentials {
    tencent: HashMap<String, TencentCredential>,
    alibaba: HashMap<String, AlicloudCredential>,
}

impl Credentials {
    pub(crate) fn of(fixture: &Fixture) -> Credentials {
        Credentials {
            tencent: fixture
                .tencentcloud
                .credentials
                .iter()
                .map(|c| (c.secret_id.clone(), c.clone()))
                .collect(),
            alibaba: fixture
                .alicloud
                .credentials
                .iter()
                .map(|c| (c.access_key_id.clone(), c.clone()))
                .collect(),
        }
    }

    pub(crate) fn tencent(&self, secret_id: &str) -> Option<&TencentCredential> {
        self.tencent.get(secret_id)
    }

    pub(crate) fn alibaba(&self, access_key_id: &str) -> Option<&AlicloudCredential> {
        self.alibaba.get(access_key_id)
    }
}
