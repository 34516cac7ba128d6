from .access import Role
from .areas import Area, ClinicalCommissioningGroup, Region
from .plans import (
    ConditionAnswer,
    HighImpactChangeAssessment,
    Milestone,
    NarrativeAnswer,
    Plan,
    PlanNarrative,
    RelatedDocument,
    Risk,
    SignOff,
)
from .rounds import (
    AreaOfSpend,
    CommissionerType,
    ConditionQuestion,
    FinancialYear,
    FundingSource,
    HighImpactChange,
    KeyLineOfEnquiry,
    MaturityLevel,
    NationalCondition,
    ProviderType,
    Round,
    RoundRule,
    SchemeType,
    Section,
    SignOffRole,
)

__all__ = [
    "Area", "AreaOfSpend", "ClinicalCommissioningGroup", "CommissionerType",
    "ConditionAnswer", "ConditionQuestion", "FinancialYear", "FundingSource",
    "HighImpactChange", "HighImpactChangeAssessment", "KeyLineOfEnquiry", "MaturityLevel",
    "Milestone", "NarrativeAnswer", "NationalCondition", "Plan", "PlanNarrative",
    "ProviderType", "Region", "RelatedDocument", "Risk", "Role", "Round", "RoundRule",
    "SchemeType", "Section", "SignOff", "SignOffRole",
]
