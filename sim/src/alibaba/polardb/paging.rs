//! `PageNumber` and `PageSize`, as the PolarDB list actions take them.

use crate::alibaba::errors::AlibabaError;
use crate::alibaba::rpc::Parameters;

/// `PageSize` values the list actions take.
const PAGE_SIZES: &[usize] = &[30, 50, 100];
const DEFAULT_PAGE_SIZE: usize = 30;

/// One page of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Page {
    pub number: usize,
    pub size: usize,
}

impl Page {
    pub(crate) fn of(params: &Parameters) -> Result<Page, AlibabaError> {
        let number = match params.optional("PageNumber") {
            None => 1,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    AlibabaError::invalid_parameter(format!(
                        "PageNumber \"{text}\" must be a whole number of at least 1."
                    ))
                })?,
        };
        let size = match params.optional("PageSize") {
            None => DEFAULT_PAGE_SIZE,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| PAGE_SIZES.contains(n))
                .ok_or_else(|| {
                    AlibabaError::invalid_parameter(format!(
                        "PageSize \"{text}\" must be one of 30, 50, 100."
                    ))
                })?,
        };
        Ok(Page { number, size })
    }

    /// The items of this page.
    pub(crate) fn of_items<T>(self, items: impl Iterator<Item = T>) -> impl Iterator<Item = T> {
        items
            .skip((self.number - 1).saturating_mul(self.size))
            .take(self.size)
    }
}
